package optim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected sequences below are what PyTorch 1.13's schedulers give
// with an initial LR of 1, computed in float64 from their (recursive)
// update formulas:
//
// StepLR(step_size=3, gamma=0.1): lr_t = lr_{t-1}*gamma when t % 3 == 0.
//
// SequentialLR(LinearLR(start_factor=0.25, total_iters=2),
// CosineAnnealingLR(T_max=4, eta_min=0.1), milestones=[2]):
// LinearLR: lr_0 = 0.25, lr_t = lr_{t-1}*(1 + 0.75/(2*0.25 + (t-1)*0.75));
// at the milestone the cosine restarts at the base LR, then
// lr_e = (1+cos(pi*e/4))/(1+cos(pi*(e-1)/4))*(lr_{e-1}-0.1) + 0.1.
//
// OneCycleLR(max_lr=1, total_steps=10) with the defaults (pct_start 0.3,
// div 25, final_div 1e4, momentum 0.95 -> 0.85 -> 0.95): phase ends at
// steps 0.3*10-1 = 2 and 9; anneal(a, b, p) = b + (a-b)/2*(cos(pi*p)+1);
// lr = anneal(0.04, 1, t/2) for t <= 2, else anneal(1, 4e-6, (t-2)/7).
func TestSchedules(t *testing.T) {
	tests := []struct {
		name     string
		s        Schedule
		want     []float64
		momentum []float64
	}{
		{"StepLR", StepLR{StepSize: 3, Gamma: 0.1}, []float64{1, 1, 1, 0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002}, nil},
		{"WarmupCosine", WarmupCosine{Warmup: 2, Total: 6, StartFactor: 0.25, MinFactor: 0.1},
			[]float64{0.25, 0.625, 1.0, 0.8681980515339464, 0.55, 0.23180194846605368, 0.1, 0.1, 0.1}, nil},
		{"WarmupCosine without warm-up", WarmupCosine{Total: 2},
			[]float64{1, 0.5, 0}, nil},
		{"OneCycle", NewOneCycle(10),
			[]float64{0.040000000000000036, 0.52, 1.0, 0.9504846320134737, 0.8117456539497631, 0.6112620219362893,
				0.38874197806371075, 0.18825834605023697, 0.049519367986526286, 4e-06, 0.04951936798652623},
			[]float64{0.95, 0.8999999999999999, 0.85, 0.854951556604879, 0.8688255099070633, 0.8888739533021842,
				0.9111260466978157, 0.9311744900929366, 0.945048443395121, 0.95, 0.945048443395121}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for step, want := range tc.want {
				got, err := tc.s.Factor(step)
				require.NoError(t, err)
				assert.InDelta(t, want, got, 1e-12, "step %d", step)
			}
			ms, ok := tc.s.(MomentumSchedule)
			if tc.momentum == nil {
				assert.False(t, ok && func() bool { _, on := ms.Momentum(0); return on }())
				return
			}
			require.True(t, ok)
			for step, want := range tc.momentum {
				got, on := ms.Momentum(step)
				require.True(t, on)
				assert.InDelta(t, want, got, 1e-12, "momentum at step %d", step)
			}
		})
	}
}

// TestScheduleErrors checks misconfigurations and out-of-range steps.
func TestScheduleErrors(t *testing.T) {
	oc := NewOneCycle(10)
	tests := []struct {
		name string
		s    Schedule
		step int
		want string
	}{
		{"step size", StepLR{Gamma: 0.1}, 0, "step size 0"},
		{"gamma", StepLR{StepSize: 1, Gamma: -1}, 0, "gamma -1"},
		{"negative step", StepLR{StepSize: 1, Gamma: 0.1}, -1, "negative step"},
		{"total", WarmupCosine{Warmup: 5, Total: 5}, 0, "need 0 <= warmup < total"},
		{"start factor", WarmupCosine{Total: 5, StartFactor: 2}, 0, "start factor 2"},
		{"min factor", WarmupCosine{Total: 5, MinFactor: -0.1}, 0, "min factor -0.1"},
		{"past the cycle", oc, 11, "step 11 is outside [0, 10]"},
		{"short cycle", NewOneCycle(3), 0, "phase of zero length"},
		{"pct", OneCycle{TotalSteps: 10, PctStart: 1, DivFactor: 25, FinalDivFactor: 1e4}, 0, "pct_start 1"},
		{"div", OneCycle{TotalSteps: 10, PctStart: 0.3, FinalDivFactor: 1e4}, 0, "div factor 0"},
		{"momenta", OneCycle{TotalSteps: 10, PctStart: 0.3, DivFactor: 25, FinalDivFactor: 1e4, CycleMomentum: true, MaxMomentum: 1}, 0, "momenta"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.s.Factor(tc.step)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestOneCycleWithoutMomentum checks that momentum cycling can be off.
func TestOneCycleWithoutMomentum(t *testing.T) {
	s := NewOneCycle(10)
	s.CycleMomentum = false
	opt, err := optimizerFactories[0].make(testParams(1))
	require.NoError(t, err)
	require.NoError(t, Apply(opt, s, 0))
	assert.Equal(t, 0.9, opt.Momentum(0))
	assert.InDelta(t, 0.01*0.04, opt.LR(0), 1e-15)
}
