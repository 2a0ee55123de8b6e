package optim

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seedling-ml/seedling/nn"
)

func TestSplitAndTrainable(t *testing.T) {
	params := testParams(1) // bn1.frozen does not require a gradient
	head, body := SplitByPrefix(params, "fc.", "layer1.0.bn1.")
	names := func(ps []nn.Named) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	assert.Equal(t, []string{"layer1.0.bn1.bias", "fc.weight", "fc.bias"}, names(head))
	assert.Equal(t, []string{"layer1.0.conv1.weight", "bn1.frozen"}, names(body))
	assert.Equal(t, []string{"layer1.0.conv1.weight", "layer1.0.bn1.bias", "fc.weight", "fc.bias"}, names(Trainable(params)))
}
