package resnet

import (
	"fmt"

	"github.com/seedling-ml/seedling/nn"
)

// StateDict returns the model's tensors by torchvision name (shared, not
// copied); see nn.StateDict.
func (m *ResNet) StateDict() (map[string]*nn.Tensor, map[string]*nn.IntTensor) {
	return nn.StateDict(m)
}

// LoadStateDict copies a torchvision-format state dict into the model; see
// nn.LoadStateDict for the options and the report. Errors name the
// architecture.
func (m *ResNet) LoadStateDict(sd *nn.Safetensors, opts nn.LoadOptions) (*nn.LoadReport, error) {
	rep, err := nn.LoadStateDict(m, sd, opts)
	if err != nil {
		return rep, fmt.Errorf("resnet: %s: %w", m.Arch, err)
	}
	return rep, nil
}
