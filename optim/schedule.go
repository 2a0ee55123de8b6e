package optim

import "fmt"

// Schedule gives the learning rate at a step (or epoch: the unit is the
// caller's) as a factor of each group's initial learning rate, so the
// ratios between groups (a small LR for a pre-trained backbone, a larger
// one for a new head) are kept. Schedules are pure functions of the step,
// so a resumed run only needs its step counter.
type Schedule interface {
	// Factor returns lr(t)/initial_lr, or an error when the schedule is
	// misconfigured or t is out of its range.
	Factor(t int) (float64, error)
}

// MomentumSchedule is a Schedule that also sets the momentum (SGD's
// momentum, Adam's beta1) of every group; ok is false when it does not
// cycle momentum.
type MomentumSchedule interface {
	Schedule
	// Momentum returns the momentum at step t.
	Momentum(t int) (m float64, ok bool)
}

// Apply sets the learning rate of every group of opt to
// InitialLR(i)*s.Factor(t) and, when s is a MomentumSchedule that cycles
// momentum, every group's momentum. Call it before the optimizer step of
// step (or epoch) t, counting from 0. On error nothing is changed.
func Apply(opt Schedulable, s Schedule, t int) error {
	f, err := s.Factor(t)
	if err != nil {
		return fmt.Errorf("optim: schedule at step %d: %w", t, err)
	}
	m, cycle := 0.0, false
	if ms, ok := s.(MomentumSchedule); ok {
		m, cycle = ms.Momentum(t)
	}
	for i := range opt.NumGroups() {
		opt.SetLR(i, opt.InitialLR(i)*f)
		if cycle {
			opt.SetMomentum(i, m)
		}
	}
	return nil
}
