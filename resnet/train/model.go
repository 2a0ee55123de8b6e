package train

import (
	"fmt"
	"strings"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// buildModel returns a model for the given classes: initialised from
// cfg.Seed, then loaded from cfg.Weights without fc when weights are given.
// The returned note says what was loaded.
func buildModel(cfg Config, classes int) (*resnet.ResNet, string, error) {
	m, err := resnet.New(cfg.Arch, classes, cfg.Seed)
	if err != nil {
		return nil, "", fmt.Errorf("train: %w", err)
	}
	if cfg.Weights == "" {
		return m, "from scratch", nil
	}
	sd, err := resnet.ReadWeights(cfg.Weights)
	if err != nil {
		return nil, "", fmt.Errorf("train: %w", err)
	}
	rep, err := m.LoadStateDict(sd, nn.LoadOptions{NonStrict: true, Exclude: []string{"fc."}})
	if err != nil || len(rep.Missing) > 0 {
		if e := resnet.ArchMismatch(cfg.Weights, sd, cfg.Arch, err); e != nil {
			return nil, "", fmt.Errorf("train: %w", e)
		}
	}
	if err != nil {
		return nil, "", fmt.Errorf("train: loading %s: %w", cfg.Weights, err)
	}
	if len(rep.Missing) > 0 {
		return nil, "", fmt.Errorf("train: %s lacks %d tensors of %s (%s); is it the right architecture?",
			cfg.Weights, len(rep.Missing), cfg.Arch, abbreviate(rep.Missing))
	}
	note := fmt.Sprintf("from %s (%d tensors, fc left fresh)", cfg.Weights, len(rep.Loaded))
	return m, note, nil
}

// configureModel applies the freezing options: a frozen backbone stops
// the gradient of every parameter but fc's; BatchNorm follows FreezeBN.
func configureModel(m *resnet.ResNet, cfg Config) {
	for _, p := range m.Parameters() {
		p.Tensor.SetRequiresGrad(!cfg.FreezeBackbone || strings.HasPrefix(p.Name, "fc."))
	}
	m.SetFreezeBN(cfg.FreezeBN == BNFrozen)
}

// logits runs the model on a training batch with the graph recorded where
// it is needed: through the whole network normally, only through fc when
// the backbone is frozen (the backbone then runs as cheap inference).
// Shape errors come back as errors.
func logits(m *resnet.ResNet, x *nn.Tensor, frozenBackbone bool) (out *nn.Tensor, err error) {
	err = nn.Try(func() {
		if !frozenBackbone {
			out = m.Forward(nn.Track(x))
			return
		}
		out = m.FC.Forward(nn.Track(features(m, x)))
	})
	return out, err
}

// features runs the backbone (everything before fc) on x and returns the
// pooled [N, C] features.
func features(m *resnet.ResNet, x *nn.Tensor) *nn.Tensor {
	h := nn.ReLU(m.BN1.Forward(m.Conv1.Forward(x)))
	h = m.MaxPool.Forward(h)
	for _, stage := range m.Layers {
		for _, b := range stage {
			h = b.Forward(h)
		}
	}
	return nn.Flatten(nn.AdaptiveAvgPool2d(h, 1, 1))
}

func abbreviate(names []string) string {
	if len(names) > 4 {
		return strings.Join(names[:4], ", ") + fmt.Sprintf(" and %d more", len(names)-4)
	}
	return strings.Join(names, ", ")
}
