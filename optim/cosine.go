package optim

import (
	"fmt"
	"math"
)

// WarmupCosine is a linear warm-up followed by cosine annealing, as
// PyTorch's SequentialLR(LinearLR(start_factor=StartFactor,
// total_iters=Warmup), CosineAnnealingLR(T_max=Total-Warmup,
// eta_min=MinFactor*initial_lr), milestones=[Warmup]):
//
//	t < Warmup:  f = StartFactor + (1-StartFactor)*t/Warmup
//	t >= Warmup: f = MinFactor + (1-MinFactor)*(1 + cos(pi*(t-Warmup)/(Total-Warmup)))/2
//
// and lr(t) = initial_lr*f. Unlike CosineAnnealingLR, which rises again
// after T_max, the factor stays at MinFactor for t >= Total.
type WarmupCosine struct {
	// Warmup is the number of warm-up steps (0 for none).
	Warmup int
	// Total is the step at which the cosine reaches its minimum, > Warmup.
	Total int
	// StartFactor is the factor at step 0, in [0, 1] (LinearLR's default
	// is 1/3).
	StartFactor float64
	// MinFactor is the final factor, in [0, 1] (eta_min/initial_lr).
	MinFactor float64
}

// Factor returns the learning-rate factor at step t.
func (s WarmupCosine) Factor(t int) (float64, error) {
	switch {
	case s.Warmup < 0 || s.Total <= s.Warmup:
		return 0, fmt.Errorf("WarmupCosine: need 0 <= warmup < total (got warmup %d, total %d)", s.Warmup, s.Total)
	case !(s.StartFactor >= 0 && s.StartFactor <= 1):
		return 0, fmt.Errorf("WarmupCosine: start factor %v is not in [0, 1]", s.StartFactor)
	case !(s.MinFactor >= 0 && s.MinFactor <= 1):
		return 0, fmt.Errorf("WarmupCosine: min factor %v is not in [0, 1]", s.MinFactor)
	case t < 0:
		return 0, fmt.Errorf("WarmupCosine: negative step %d", t)
	}
	if t < s.Warmup {
		return s.StartFactor + (1-s.StartFactor)*float64(t)/float64(s.Warmup), nil
	}
	if t >= s.Total {
		return s.MinFactor, nil
	}
	frac := float64(t-s.Warmup) / float64(s.Total-s.Warmup)
	return s.MinFactor + (1-s.MinFactor)*(1+math.Cos(math.Pi*frac))/2, nil
}
