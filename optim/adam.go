package optim

import (
	"fmt"
	"math"

	"github.com/seedling-ml/seedling/nn"
)

// AdamConfig holds the hyper-parameters of Adam and AdamW, as in
// torch.optim.Adam / AdamW. DefaultAdam and DefaultAdamW give PyTorch's
// defaults.
type AdamConfig struct {
	// LR is the learning rate (>= 0). PyTorch default 1e-3.
	LR float64
	// Beta1 and Beta2 are the decay rates of the first and second moment
	// estimates, in [0, 1). PyTorch defaults 0.9 and 0.999.
	Beta1, Beta2 float64
	// Eps is added to the bias-corrected denominator. PyTorch default 1e-8.
	Eps float64
	// WeightDecay is an L2 penalty added to the gradient for Adam
	// (g = g + wd*p) and a decoupled decay p = p*(1 - lr*wd) for AdamW.
	// PyTorch defaults 0 (Adam) and 1e-2 (AdamW).
	WeightDecay float64
	// AMSGrad uses the running maximum of the second moment estimate.
	AMSGrad bool
}

// DefaultAdam returns PyTorch's Adam defaults with the given learning rate.
func DefaultAdam(lr float64) AdamConfig {
	return AdamConfig{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// DefaultAdamW returns PyTorch's AdamW defaults (weight decay 1e-2) with
// the given learning rate.
func DefaultAdamW(lr float64) AdamConfig {
	c := DefaultAdam(lr)
	c.WeightDecay = 1e-2
	return c
}

func (c AdamConfig) validate() error {
	finiteNonNeg := func(v float64) bool { return v >= 0 && !math.IsInf(v, 0) }
	switch {
	case !finiteNonNeg(c.LR):
		return fmt.Errorf("learning rate %v is not a finite number >= 0", c.LR)
	case !(c.Beta1 >= 0 && c.Beta1 < 1):
		return fmt.Errorf("beta1 %v is not in [0, 1)", c.Beta1)
	case !(c.Beta2 >= 0 && c.Beta2 < 1):
		return fmt.Errorf("beta2 %v is not in [0, 1)", c.Beta2)
	case !finiteNonNeg(c.Eps):
		return fmt.Errorf("eps %v is not a finite number >= 0", c.Eps)
	case !finiteNonNeg(c.WeightDecay):
		return fmt.Errorf("weight decay %v is not a finite number >= 0", c.WeightDecay)
	}
	return nil
}

// AdamGroup is one parameter group of an Adam or AdamW optimizer.
type AdamGroup struct {
	// Name labels the group in errors and in the saved state (optional).
	Name string
	// Params are the group's parameters; their names must be unique across
	// all groups.
	Params []nn.Named
	AdamConfig
}

// adamState is the per-parameter state: PyTorch keeps a step count per
// parameter, so a parameter skipped on some steps has its own count.
type adamState struct {
	step                       int64
	expAvg, expAvgSq, maxSqAvg []float32 // maxSqAvg only with AMSGrad
}

// Adam is the Adam optimizer (Kingma & Ba), or AdamW (Loshchilov & Hutter)
// when created by NewAdamW, with PyTorch 1.13's single-tensor update rule.
// With t the parameter's step number (1, 2, ...):
//
//	p = p*(1 - lr*wd)                         (AdamW only)
//	g = g + wd*p                              (Adam only: L2)
//	m = beta1*m + (1-beta1)*g
//	v = beta2*v + (1-beta2)*g*g
//	vmax = max(vmax, v), used for v below     (AMSGrad only)
//	p = p - (lr/(1-beta1^t)) * m / (sqrt(v)/sqrt(1-beta2^t) + eps)
//
// The bias corrections are computed in float64 and applied as float32
// scalars, and every element operation rounds to float32, as PyTorch does.
type Adam struct {
	groups
	decoupled bool // AdamW
	cfg       []AdamConfig
	state     map[string]*adamState
	steps     int64
}

// NewAdam returns an Adam optimizer (weight decay as L2 added to the
// gradient) over the given parameter groups.
func NewAdam(groups ...AdamGroup) (*Adam, error) { return newAdam(false, groups) }

// NewAdamW returns an AdamW optimizer (decoupled weight decay) over the
// given parameter groups.
func NewAdamW(groups ...AdamGroup) (*Adam, error) { return newAdam(true, groups) }

func newAdam(decoupled bool, groups []AdamGroup) (*Adam, error) {
	o := &Adam{decoupled: decoupled, state: map[string]*adamState{}}
	if len(groups) == 0 {
		return nil, fmt.Errorf("optim: New%s: no parameter groups", o.display())
	}
	names, tensors := map[string]int{}, map[*nn.Tensor]string{}
	for i, g := range groups {
		if err := g.validate(); err != nil {
			return nil, fmt.Errorf("optim: New%s: %s: %w", o.display(), groupLabel(i, g.Name), err)
		}
		if err := o.add(g.Name, g.Params, g.LR, names, tensors); err != nil {
			return nil, err
		}
		o.cfg = append(o.cfg, g.AdamConfig)
	}
	return o, nil
}

// Kind returns "adam" or "adamw".
func (o *Adam) Kind() string {
	if o.decoupled {
		return "adamw"
	}
	return "adam"
}

func (o *Adam) display() string {
	if o.decoupled {
		return "AdamW"
	}
	return "Adam"
}

// Config returns the current hyper-parameters of group i.
func (o *Adam) Config(i int) AdamConfig { return o.cfg[i] }

// LR returns the current learning rate of group i.
func (o *Adam) LR(i int) float64 { return o.cfg[i].LR }

// SetLR sets the learning rate of group i.
func (o *Adam) SetLR(i int, lr float64) { o.cfg[i].LR = lr }

// Momentum returns beta1 of group i.
func (o *Adam) Momentum(i int) float64 { return o.cfg[i].Beta1 }

// SetMomentum sets beta1 of group i (what OneCycle cycles for Adam).
func (o *Adam) SetMomentum(i int, m float64) { o.cfg[i].Beta1 = m }

// Steps returns how many times Step has run (restored by LoadState).
func (o *Adam) Steps() int64 { return o.steps }

// Step applies one Adam (or AdamW) update to every parameter that requires
// a gradient and has one.
func (o *Adam) Step() error {
	if err := o.checkGrads(); err != nil {
		return err
	}
	for gi, ps := range o.params {
		c := o.cfg[gi]
		for _, p := range ps {
			if !active(p) {
				continue
			}
			o.update(p, c)
		}
	}
	o.steps++
	return nil
}

func (o *Adam) update(p nn.Named, c AdamConfig) {
	w, g := p.Tensor.Data, p.Tensor.Grad.Data[:len(p.Tensor.Data)]
	s, ok := o.state[p.Name]
	if !ok {
		s = &adamState{expAvg: make([]float32, len(w)), expAvgSq: make([]float32, len(w))}
		o.state[p.Name] = s
	}
	if c.AMSGrad && s.maxSqAvg == nil {
		s.maxSqAvg = make([]float32, len(w))
	}
	s.step++
	t := float64(s.step)
	bc1 := 1 - math.Pow(c.Beta1, t)
	bc2Sqrt := float32(math.Sqrt(1 - math.Pow(c.Beta2, t)))
	negStep := float32(-(c.LR / bc1))
	b1, b2 := float32(c.Beta1), float32(c.Beta2)
	omb1, omb2 := float32(1-c.Beta1), float32(1-c.Beta2)
	eps, wd := float32(c.Eps), float32(c.WeightDecay)
	decay := float32(1 - c.LR*c.WeightDecay)
	m, v, vmax := s.expAvg, s.expAvgSq, s.maxSqAvg
	k := adamStep{decoupled: o.decoupled, amsgrad: c.AMSGrad, negStep: negStep, b1: b1, b2: b2,
		omb1: omb1, omb2: omb2, eps: eps, wd: wd, decay: decay, bc2Sqrt: bc2Sqrt}
	halves(len(w), func(lo, hi int) {
		var vm []float32
		if vmax != nil {
			vm = vmax[lo:hi]
		}
		k.run(w[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], vm)
	})
}

// adamStep holds one step's constants of the Adam update.
type adamStep struct {
	decoupled, amsgrad               bool
	negStep, b1, b2, omb1, omb2, eps float32
	wd, decay, bc2Sqrt               float32
}

// run updates w, m, v (and vmax with AMSGrad) from g. The float32
// conversions keep each operation rounding on its own (see sgdPlain).
// Without AMSGrad and with decoupled or no weight decay it runs in AVX
// where the CPU has it, with the same operations in the same order (w*1
// is w, so the decay multiply may run with decay 1).
func (k *adamStep) run(w, g, m, v, vmax []float32) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	done := 0
	if useVec && !k.amsgrad && (k.decoupled || k.wd == 0) && len(w) >= 8 {
		done = len(w) &^ 7
		decay := k.decay
		if k.wd == 0 {
			decay = 1
		}
		adamWAVX(&w[0], &g[0], &m[0], &v[0], done, decay, k.b1, k.omb1, k.b2, k.omb2, k.bc2Sqrt, k.eps, k.negStep)
	}
	for i := done; i < len(w); i++ {
		gi := g[i]
		if k.wd != 0 {
			if k.decoupled {
				w[i] *= k.decay
			} else {
				gi = gi + float32(k.wd*w[i])
			}
		}
		m[i] = float32(m[i]*k.b1) + float32(k.omb1*gi)
		v[i] = float32(v[i]*k.b2) + float32(k.omb2*gi*gi) // addcmul: v + (value*g)*g
		vi := v[i]
		if k.amsgrad {
			vi = max(vmax[i], vi)
			vmax[i] = vi
		}
		denom := float32(sqrt32(vi)/k.bc2Sqrt) + k.eps
		w[i] += float32(k.negStep * m[i] / denom) // addcdiv: p + (value*m)/denom
	}
}

// sqrt32 is the correctly rounded float32 square root (rounding the
// float64 root of a float32 is exact).
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
