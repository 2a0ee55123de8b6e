package optim

import (
	"fmt"
	"math"
)

// OneCycle is the 1cycle policy of torch.optim.lr_scheduler.OneCycleLR
// (two phases, cosine annealing). Each group's initial learning rate is
// its peak (OneCycleLR's max_lr), so groups keep their ratios. With
// up = PctStart*TotalSteps - 1 (a float, as in PyTorch),
// cos(a, b, p) = b + (a-b)/2*(1 + cos(pi*p)), lo = 1/DivFactor and
// end = lo/FinalDivFactor:
//
//	t <= up: f = cos(lo, 1, t/up),                   momentum = cos(MaxMomentum, BaseMomentum, t/up)
//	t >  up: f = cos(1, end, (t-up)/(TotalSteps-1-up)), momentum = cos(BaseMomentum, MaxMomentum, same)
//
// and lr(t) = initial_lr*f for t in [0, TotalSteps] (PyTorch also accepts
// t == TotalSteps).
type OneCycle struct {
	// TotalSteps is the length of the cycle in steps.
	TotalSteps int
	// PctStart is the fraction of the cycle spent increasing the learning
	// rate (default 0.3).
	PctStart float64
	// DivFactor sets the starting LR to max_lr/DivFactor (default 25).
	DivFactor float64
	// FinalDivFactor sets the final LR to max_lr/(DivFactor*FinalDivFactor)
	// (default 1e4).
	FinalDivFactor float64
	// CycleMomentum makes the momentum (SGD's momentum, Adam's beta1) move
	// inversely to the learning rate between MaxMomentum and BaseMomentum
	// (defaults true, 0.85 and 0.95).
	CycleMomentum             bool
	BaseMomentum, MaxMomentum float64
}

// NewOneCycle returns a OneCycle over totalSteps with PyTorch's defaults.
func NewOneCycle(totalSteps int) OneCycle {
	return OneCycle{TotalSteps: totalSteps, PctStart: 0.3, DivFactor: 25, FinalDivFactor: 1e4,
		CycleMomentum: true, BaseMomentum: 0.85, MaxMomentum: 0.95}
}

func (s OneCycle) check(t int) error {
	up := s.PctStart*float64(s.TotalSteps) - 1
	switch {
	case s.TotalSteps < 2:
		return fmt.Errorf("OneCycle: total steps %d is not >= 2", s.TotalSteps)
	case !(s.PctStart > 0 && s.PctStart < 1):
		return fmt.Errorf("OneCycle: pct_start %v is not in (0, 1)", s.PctStart)
	case !(up > 0 && up < float64(s.TotalSteps-1)):
		return fmt.Errorf("OneCycle: pct_start %v of %d steps leaves a phase of zero length", s.PctStart, s.TotalSteps)
	case !(s.DivFactor > 0) || math.IsInf(s.DivFactor, 0):
		return fmt.Errorf("OneCycle: div factor %v is not a positive finite number", s.DivFactor)
	case !(s.FinalDivFactor > 0) || math.IsInf(s.FinalDivFactor, 0):
		return fmt.Errorf("OneCycle: final div factor %v is not a positive finite number", s.FinalDivFactor)
	case s.CycleMomentum && !(s.BaseMomentum >= 0 && s.BaseMomentum < 1 && s.MaxMomentum >= 0 && s.MaxMomentum < 1):
		return fmt.Errorf("OneCycle: momenta %v and %v are not in [0, 1)", s.BaseMomentum, s.MaxMomentum)
	case t < 0 || t > s.TotalSteps:
		return fmt.Errorf("OneCycle: step %d is outside [0, %d]", t, s.TotalSteps)
	}
	return nil
}

// phase returns which phase step t is in (0 rising, 1 falling) and the
// fraction of it done.
func (s OneCycle) phase(t int) (int, float64) {
	up := s.PctStart*float64(s.TotalSteps) - 1
	if float64(t) <= up {
		return 0, float64(t) / up
	}
	return 1, (float64(t) - up) / (float64(s.TotalSteps-1) - up)
}

// annealCos goes from a (pct 0) to b (pct 1) along half a cosine, with
// PyTorch's arithmetic.
func annealCos(a, b, pct float64) float64 {
	return b + (a-b)/2*(math.Cos(math.Pi*pct)+1)
}

// Factor returns the learning-rate factor at step t.
func (s OneCycle) Factor(t int) (float64, error) {
	if err := s.check(t); err != nil {
		return 0, err
	}
	lo := 1 / s.DivFactor
	ph, pct := s.phase(t)
	if ph == 0 {
		return annealCos(lo, 1, pct), nil
	}
	return annealCos(1, lo/s.FinalDivFactor, pct), nil
}

// Momentum returns the cycled momentum at step t; ok is false when
// CycleMomentum is off or t is out of range.
func (s OneCycle) Momentum(t int) (float64, bool) {
	if !s.CycleMomentum || s.check(t) != nil {
		return 0, false
	}
	ph, pct := s.phase(t)
	if ph == 0 {
		return annealCos(s.MaxMomentum, s.BaseMomentum, pct), true
	}
	return annealCos(s.BaseMomentum, s.MaxMomentum, pct), true
}
