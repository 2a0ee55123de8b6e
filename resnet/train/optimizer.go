package train

import (
	"fmt"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/optim"
	"github.com/seedling-ml/seedling/resnet"
)

// newOptimizer returns the optimizer of cfg over the trainable parameters
// of m, in two groups: "backbone" (LR*BackboneLRScale) and "head" (fc, LR).
// A group without trainable parameters is left out.
func newOptimizer(m *resnet.ResNet, cfg Config) (optim.Optimizer, error) {
	head, backbone := optim.SplitByPrefix(optim.Trainable(m.Parameters()), "fc.")
	type group struct {
		name   string
		params []nn.Named
		lr     float64
	}
	var groups []group
	if len(backbone) > 0 {
		groups = append(groups, group{"backbone", backbone, cfg.LR * cfg.BackboneLRScale})
	}
	groups = append(groups, group{"head", head, cfg.LR})
	var (
		opt optim.Optimizer
		err error
	)
	switch cfg.Optimizer {
	case SGD:
		var gs []optim.SGDGroup
		for _, g := range groups {
			gs = append(gs, optim.SGDGroup{Name: g.name, Params: g.params,
				SGDConfig: optim.SGDConfig{LR: g.lr, Momentum: 0.9, WeightDecay: cfg.WeightDecay}})
		}
		opt, err = optim.NewSGD(gs...)
	case AdamW:
		var gs []optim.AdamGroup
		for _, g := range groups {
			c := optim.DefaultAdamW(g.lr)
			c.WeightDecay = cfg.WeightDecay
			gs = append(gs, optim.AdamGroup{Name: g.name, Params: g.params, AdamConfig: c})
		}
		opt, err = optim.NewAdamW(gs...)
	default:
		err = fmt.Errorf("unknown optimizer %q", cfg.Optimizer)
	}
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	return opt, nil
}

// newSchedule returns the learning-rate schedule over total steps: a
// linear warm-up from a tenth of the rate over one epoch (at most a tenth
// of the run), then cosine annealing to 0 at the last step.
func newSchedule(stepsPerEpoch, total int) optim.WarmupCosine {
	warmup := min(stepsPerEpoch, total/10)
	return optim.WarmupCosine{Warmup: warmup, Total: max(total, warmup+1), StartFactor: 0.1, MinFactor: 0}
}
