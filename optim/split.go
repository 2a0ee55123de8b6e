package optim

import (
	"strings"

	"github.com/seedling-ml/seedling/nn"
)

// SplitByPrefix splits params into those whose name starts with one of the
// prefixes and the rest, keeping their order; for example
// SplitByPrefix(params, "fc.") separates a new classification head from a
// pre-trained backbone so the two can be given different learning rates.
func SplitByPrefix(params []nn.Named, prefixes ...string) (matched, rest []nn.Named) {
	for _, p := range params {
		hit := false
		for _, pre := range prefixes {
			if strings.HasPrefix(p.Name, pre) {
				hit = true
				break
			}
		}
		if hit {
			matched = append(matched, p)
		} else {
			rest = append(rest, p)
		}
	}
	return matched, rest
}

// Trainable returns the parameters that require a gradient, dropping
// frozen ones (an optimizer skips frozen parameters anyway; this keeps them
// out of its state and of GradNorm).
func Trainable(params []nn.Named) []nn.Named {
	var out []nn.Named
	for _, p := range params {
		if p.Tensor != nil && p.Tensor.RequiresGradient() {
			out = append(out, p)
		}
	}
	return out
}
