package optim

import (
	"fmt"
	"math"
)

// StepLR decays the learning rate by Gamma every StepSize steps, as
// torch.optim.lr_scheduler.StepLR:
//
//	lr(t) = initial_lr * Gamma^floor(t/StepSize)
type StepLR struct {
	// StepSize is the period of the decay, > 0.
	StepSize int
	// Gamma is the multiplicative factor, >= 0 (PyTorch default 0.1).
	Gamma float64
}

// Factor returns Gamma^floor(t/StepSize).
func (s StepLR) Factor(t int) (float64, error) {
	switch {
	case s.StepSize <= 0:
		return 0, fmt.Errorf("StepLR: step size %d is not > 0", s.StepSize)
	case !(s.Gamma >= 0) || math.IsInf(s.Gamma, 0):
		return 0, fmt.Errorf("StepLR: gamma %v is not a finite number >= 0", s.Gamma)
	case t < 0:
		return 0, fmt.Errorf("StepLR: negative step %d", t)
	}
	return math.Pow(s.Gamma, float64(t/s.StepSize)), nil
}
