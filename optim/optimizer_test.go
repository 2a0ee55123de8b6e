package optim

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/nn"
)

func param(name string, data ...float32) nn.Named {
	return nn.Named{Name: name, Tensor: nn.NewParameter(data, len(data))}
}

func grad(p nn.Named, data ...float32) { p.Tensor.Grad = nn.FromData(data, len(data)) }

// TestGroupsHandComputed checks plain SGD and Adam's first step by hand
// on two groups with different learning rates, a frozen parameter (with a
// stale gradient) and a parameter without a gradient.
func TestGroupsHandComputed(t *testing.T) {
	t.Run("sgd", func(t *testing.T) {
		body, head := param("body", 1, -2), param("head", 0.5)
		frozen, idle := param("frozen", 3), param("idle", 4)
		frozen.Tensor.SetRequiresGrad(false)
		opt, err := NewSGD(
			SGDGroup{Name: "backbone", Params: []nn.Named{body, frozen, idle}, SGDConfig: SGDConfig{LR: 0.01}},
			SGDGroup{Name: "head", Params: []nn.Named{head}, SGDConfig: SGDConfig{LR: 0.1, WeightDecay: 0.5}})
		require.NoError(t, err)
		grad(body, 0.5, 1)
		grad(head, 2)
		grad(frozen, 1)
		require.NoError(t, opt.Step())
		// body: p - 0.01*g = [1-0.005, -2-0.01]; head: d = 2 + 0.5*0.5 = 2.25, p = 0.5 - 0.225.
		assert.InDeltaSlice(t, []float32{0.995, -2.01}, body.Tensor.Data, 1e-7)
		assert.InDelta(t, 0.275, head.Tensor.Data[0], 1e-7)
		assert.Equal(t, []float32{3}, frozen.Tensor.Data)
		assert.Equal(t, []float32{4}, idle.Tensor.Data)
		tensors, _ := opt.State()
		assert.Empty(t, tensors, "no momentum, no buffers")
	})
	t.Run("adam first step", func(t *testing.T) {
		// On step 1, m = (1-b1)g, v = (1-b2)g^2, so m/(1-b1) = g and
		// sqrt(v/(1-b2)) = |g|: p -= lr*g/(|g| + eps) = lr*sign(g) for |g| >> eps.
		a, b := param("a", 1, 1), param("b", 1)
		opt, err := NewAdam(AdamGroup{Params: []nn.Named{a}, AdamConfig: DefaultAdam(0.001)},
			AdamGroup{Params: []nn.Named{b}, AdamConfig: DefaultAdam(0.1)})
		require.NoError(t, err)
		grad(a, 3, -1e-3)
		grad(b, -5)
		require.NoError(t, opt.Step())
		assert.InDeltaSlice(t, []float32{0.999, 1.001}, a.Tensor.Data, 1e-7)
		assert.InDelta(t, 1.1, b.Tensor.Data[0], 1e-7)
	})
	t.Run("adamw decoupled decay", func(t *testing.T) {
		// AdamW with a zero gradient: m = v = 0, only p*(1 - lr*wd) acts.
		a := param("a", 2)
		opt, err := NewAdamW(AdamGroup{Params: []nn.Named{a}, AdamConfig: AdamConfig{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.5}})
		require.NoError(t, err)
		grad(a, 0)
		require.NoError(t, opt.Step())
		assert.InDelta(t, 2*(1-0.05), a.Tensor.Data[0], 1e-7)
	})
	t.Run("amsgrad keeps the max", func(t *testing.T) {
		a := param("a", 0)
		cfg := AdamConfig{LR: 1, Beta1: 0, Beta2: 0.5, AMSGrad: true}
		opt, err := NewAdam(AdamGroup{Params: []nn.Named{a}, AdamConfig: cfg})
		require.NoError(t, err)
		grad(a, 2)
		require.NoError(t, opt.Step()) // v = 2, vmax = 2, bc2 = 0.5: p = -2/sqrt(2/0.5) = -1
		assert.InDelta(t, -1, a.Tensor.Data[0], 1e-6)
		grad(a, 0)
		// v = 1, vmax stays 2, m = 0: no move; the max is in the state.
		require.NoError(t, opt.Step())
		assert.InDelta(t, -1, a.Tensor.Data[0], 1e-6)
		tensors, _ := opt.State()
		assert.Equal(t, []float32{2}, tensors["optim.a.max_exp_avg_sq"].Data)
		assert.Equal(t, []float32{1}, tensors["optim.a.exp_avg_sq"].Data)
	})
}

// TestSGDMomentumSkipsMissingGrad checks that a parameter without a
// gradient keeps its momentum buffer untouched (PyTorch does not decay it).
func TestSGDMomentumSkipsMissingGrad(t *testing.T) {
	a := param("a", 0)
	opt, err := NewSGD(SGDGroup{Params: []nn.Named{a}, SGDConfig: SGDConfig{LR: 1, Momentum: 0.5}})
	require.NoError(t, err)
	grad(a, 1)
	require.NoError(t, opt.Step()) // buf = 1, p = -1
	opt.ZeroGrad()
	assert.Nil(t, a.Tensor.Grad)
	require.NoError(t, opt.Step()) // skipped
	grad(a, 1)
	require.NoError(t, opt.Step()) // buf = 0.5 + 1, p = -2.5
	assert.Equal(t, []float32{-2.5}, a.Tensor.Data)
	assert.Equal(t, int64(3), opt.Steps())
	var o Optimizer = opt
	assert.Equal(t, int64(3), o.Steps())
}

// TestSGDDampening checks torch.optim.SGD's dampening by hand: the first
// step puts the gradient (with weight decay) in the buffer as it is, later
// steps add (1-dampening) times it to momentum times the buffer.
// torch.optim.SGD (1.13) gives the same -0.25 and -1.203125.
func TestSGDDampening(t *testing.T) {
	a := param("a", 1)
	opt, err := NewSGD(SGDGroup{Params: []nn.Named{a}, SGDConfig: SGDConfig{LR: 0.5, Momentum: 0.5, Dampening: 0.25, WeightDecay: 0.5}})
	require.NoError(t, err)
	grad(a, 2)
	require.NoError(t, opt.Step())
	assert.InDelta(t, -0.25, a.Tensor.Data[0], 1e-7) // d = 2 + 0.5*1 = 2.5; buf = 2.5; p = 1 - 0.5*2.5
	grad(a, 1)
	require.NoError(t, opt.Step())
	// d = 1 + 0.5*(-0.25) = 0.875; buf = 0.5*2.5 + 0.75*0.875 = 1.90625;
	// p = -0.25 - 0.5*1.90625 = -1.203125
	assert.InDelta(t, -1.203125, a.Tensor.Data[0], 1e-7)
}

// TestNewErrors checks the constructors' argument checks.
func TestNewErrors(t *testing.T) {
	a, b := param("a", 1), param("b", 2)
	sgd := func(groups ...SGDGroup) error { _, err := NewSGD(groups...); return err }
	adam := func(groups ...AdamGroup) error { _, err := NewAdam(groups...); return err }
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"no groups", sgd(), "no parameter groups"},
		{"no adam groups", adam(), "NewAdam: no parameter groups"},
		{"empty group", sgd(SGDGroup{Name: "head", SGDConfig: SGDConfig{LR: 1}}), `group 0 ("head") has no parameters`},
		{"negative lr", sgd(SGDGroup{Params: []nn.Named{a}, SGDConfig: SGDConfig{LR: -1}}), "learning rate -1"},
		{"nan lr", adam(AdamGroup{Params: []nn.Named{a}, AdamConfig: DefaultAdam(math.NaN())}), "learning rate NaN"},
		{"nesterov without momentum", sgd(SGDGroup{Params: []nn.Named{a}, SGDConfig: SGDConfig{LR: 1, Nesterov: true}}), "Nesterov momentum requires"},
		{"nesterov with dampening", sgd(SGDGroup{Params: []nn.Named{a}, SGDConfig: SGDConfig{LR: 1, Momentum: 0.9, Dampening: 0.1, Nesterov: true}}), "zero dampening"},
		{"beta2 one", adam(AdamGroup{Params: []nn.Named{a}, AdamConfig: AdamConfig{LR: 1, Beta2: 1}}), "beta2 1 is not in [0, 1)"},
		{"negative eps", adam(AdamGroup{Params: []nn.Named{a}, AdamConfig: AdamConfig{LR: 1, Eps: -1}}), "eps -1"},
		{"negative decay", sgd(SGDGroup{Params: []nn.Named{a}, SGDConfig: SGDConfig{LR: 1, WeightDecay: -1}}), "weight decay -1"},
		{"duplicate name", sgd(SGDGroup{Params: []nn.Named{a}, SGDConfig: SGDConfig{LR: 1}}, SGDGroup{Name: "head", Params: []nn.Named{{Name: "a", Tensor: b.Tensor}}, SGDConfig: SGDConfig{LR: 1}}),
			`group 1 ("head"): parameter name "a" already appears in group 0`},
		{"duplicate name in group", sgd(SGDGroup{Params: []nn.Named{a, {Name: "a", Tensor: b.Tensor}}, SGDConfig: SGDConfig{LR: 1}}), `parameter name "a" already appears in this group`},
		{"duplicate tensor", sgd(SGDGroup{Params: []nn.Named{a, {Name: "alias", Tensor: a.Tensor}}, SGDConfig: SGDConfig{LR: 1}}), `parameter "alias" is the same tensor as "a"`},
		{"nil tensor", sgd(SGDGroup{Params: []nn.Named{{Name: "x"}}, SGDConfig: SGDConfig{LR: 1}}), `parameter "x" is nil`},
		{"empty name", sgd(SGDGroup{Params: []nn.Named{{Tensor: b.Tensor}}, SGDConfig: SGDConfig{LR: 1}}), "empty name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Error(t, tc.err)
			assert.Contains(t, tc.err.Error(), tc.want)
		})
	}
}

// TestStepGradShapeMismatch checks that a gradient of the wrong shape is
// an error and that no parameter changes, including earlier ones.
func TestStepGradShapeMismatch(t *testing.T) {
	for _, f := range optimizerFactories {
		t.Run(f.name, func(t *testing.T) {
			params := testParams(4)
			opt, err := f.make(params)
			require.NoError(t, err)
			setGrads(params, 0)
			params[3].Tensor.Grad = nn.New(4, 5) // fc.weight is [5 4]
			before := snapshot(params)
			err = opt.Step()
			require.ErrorContains(t, err, `parameter "fc.weight" of shape [5 4] has a gradient of shape [4 5]`)
			assert.Equal(t, before, snapshot(params))
		})
	}
}

// TestScheduleDrivesGroups checks Apply on real optimizers: each group's
// LR is its own initial LR times the factor, and OneCycle's momentum goes
// to SGD's momentum and Adam's beta1.
func TestScheduleDrivesGroups(t *testing.T) {
	s := NewOneCycle(10)
	for _, f := range optimizerFactories {
		t.Run(f.name, func(t *testing.T) {
			opt, err := f.make(testParams(1))
			require.NoError(t, err)
			initial := make([]float64, opt.NumGroups())
			for i := range initial {
				initial[i] = opt.LR(i)
				assert.Equal(t, initial[i], opt.InitialLR(i))
			}
			require.NoError(t, Apply(opt, s, 1))
			for i := range initial {
				assert.InDelta(t, initial[i]*0.52, opt.LR(i), 1e-15)
				assert.InDelta(t, 0.9, opt.Momentum(i), 1e-15)
				assert.Equal(t, initial[i], opt.InitialLR(i))
			}
			require.Error(t, Apply(opt, s, 11))
			assert.InDelta(t, initial[0]*0.52, opt.LR(0), 1e-15, "a failed Apply changes nothing")
		})
	}
}
