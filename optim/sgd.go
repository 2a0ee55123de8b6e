package optim

import (
	"fmt"
	"math"

	"github.com/seedling-ml/seedling/nn"
)

// SGDConfig holds the hyper-parameters of stochastic gradient descent, as
// in torch.optim.SGD. The zero value other than LR is plain SGD.
type SGDConfig struct {
	// LR is the learning rate (>= 0).
	LR float64
	// Momentum is the momentum factor, 0 for none (PyTorch default 0).
	Momentum float64
	// Dampening scales the new gradient added to the momentum buffer by
	// 1-Dampening (not on the first step). PyTorch default 0.
	Dampening float64
	// WeightDecay is the L2 penalty added to the gradient: d = g + wd*p.
	WeightDecay float64
	// Nesterov enables Nesterov momentum; it needs Momentum > 0 and
	// Dampening == 0.
	Nesterov bool
}

func (c SGDConfig) validate() error {
	switch {
	case !(c.LR >= 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("learning rate %v is not a finite number >= 0", c.LR)
	case !(c.Momentum >= 0) || math.IsInf(c.Momentum, 0):
		return fmt.Errorf("momentum %v is not a finite number >= 0", c.Momentum)
	case !(c.Dampening >= 0) || math.IsInf(c.Dampening, 0):
		return fmt.Errorf("dampening %v is not a finite number >= 0", c.Dampening)
	case !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 0):
		return fmt.Errorf("weight decay %v is not a finite number >= 0", c.WeightDecay)
	case c.Nesterov && (c.Momentum <= 0 || c.Dampening != 0):
		return fmt.Errorf("Nesterov momentum requires momentum > 0 and zero dampening (got momentum %v, dampening %v)", c.Momentum, c.Dampening)
	}
	return nil
}

// SGDGroup is one parameter group of an SGD optimizer: its parameters and
// the hyper-parameters they share.
type SGDGroup struct {
	// Name labels the group in errors and in the saved state (optional).
	Name string
	// Params are the group's parameters; their names must be unique across
	// all groups.
	Params []nn.Named
	SGDConfig
}

// SGD is stochastic gradient descent with optional momentum, dampening,
// Nesterov momentum and L2 weight decay, with PyTorch 1.13's update rule:
//
//	d = g + weight_decay*p
//	buf = d                                  (first step with momentum)
//	buf = momentum*buf + (1-dampening)*d     (later steps)
//	d = d + momentum*buf  if nesterov, else d = buf
//	p = p - lr*d
//
// Without momentum, p = p - lr*d and no buffer is kept.
type SGD struct {
	groups
	cfg   []SGDConfig
	buf   map[string][]float32 // momentum buffers by parameter name
	steps int64
}

// NewSGD returns an SGD optimizer over the given parameter groups. It
// checks every group's hyper-parameters and that no parameter appears
// twice.
func NewSGD(groups ...SGDGroup) (*SGD, error) {
	if len(groups) == 0 {
		return nil, fmt.Errorf("optim: NewSGD: no parameter groups")
	}
	o := &SGD{buf: map[string][]float32{}}
	names, tensors := map[string]int{}, map[*nn.Tensor]string{}
	for i, g := range groups {
		if err := g.validate(); err != nil {
			return nil, fmt.Errorf("optim: NewSGD: %s: %w", groupLabel(i, g.Name), err)
		}
		if err := o.add(g.Name, g.Params, g.LR, names, tensors); err != nil {
			return nil, err
		}
		o.cfg = append(o.cfg, g.SGDConfig)
	}
	return o, nil
}

// Config returns the current hyper-parameters of group i.
func (o *SGD) Config(i int) SGDConfig { return o.cfg[i] }

// LR returns the current learning rate of group i.
func (o *SGD) LR(i int) float64 { return o.cfg[i].LR }

// SetLR sets the learning rate of group i.
func (o *SGD) SetLR(i int, lr float64) { o.cfg[i].LR = lr }

// Momentum returns the momentum of group i.
func (o *SGD) Momentum(i int) float64 { return o.cfg[i].Momentum }

// SetMomentum sets the momentum of group i.
func (o *SGD) SetMomentum(i int, m float64) { o.cfg[i].Momentum = m }

// Steps returns how many times Step has run (restored by LoadState).
func (o *SGD) Steps() int64 { return o.steps }

// Step applies one SGD update to every parameter that requires a gradient
// and has one.
func (o *SGD) Step() error {
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

// update applies the rule to one parameter, rounding to float32 after each
// operation as PyTorch's kernels do.
func (o *SGD) update(p nn.Named, c SGDConfig) {
	w, g := p.Tensor.Data, p.Tensor.Grad.Data[:len(p.Tensor.Data)]
	wd, mom, damp := float32(c.WeightDecay), float32(c.Momentum), float32(1-c.Dampening)
	negLR := float32(-c.LR)
	if c.Momentum == 0 {
		halves(len(w), func(lo, hi int) { sgdPlain(w[lo:hi], g[lo:hi], wd, negLR) })
		return
	}
	buf, ok := o.buf[p.Name]
	if !ok {
		buf = make([]float32, len(w))
		o.buf[p.Name] = buf
	}
	halves(len(w), func(lo, hi int) {
		sgdMomentum(w[lo:hi], g[lo:hi], buf[lo:hi], ok, c.Nesterov, wd, mom, damp, negLR)
	})
}

// The float32 conversions around products keep the compiler from fusing
// a multiply and an add (the Go spec allows it; GOAMD64=v3 does it): each
// operation rounds on its own, as in PyTorch and in the AVX loop.

// sgdPlain is the update without momentum.
func sgdPlain(w, g []float32, wd, negLR float32) {
	for i, gi := range g {
		d := gi
		if wd != 0 {
			d = gi + float32(wd*w[i])
		}
		w[i] += float32(negLR * d)
	}
}

// sgdMomentum is the update with a momentum buffer; started is false on
// the first step, which sets the buffer to the gradient. The usual case
// (started, not Nesterov) runs in AVX where the CPU has it, with the same
// operations in the same order.
func sgdMomentum(w, g, buf []float32, started, nesterov bool, wd, mom, damp, negLR float32) {
	g, buf = g[:len(w)], buf[:len(w)]
	done := 0
	if useVec && started && !nesterov && len(w) >= 8 {
		done = len(w) &^ 7
		hasWD := 0
		if wd != 0 {
			hasWD = 1
		}
		sgdMomentumAVX(&w[0], &g[0], &buf[0], done, hasWD, wd, mom, damp, negLR)
	}
	for i := done; i < len(w); i++ {
		d := g[i]
		if wd != 0 {
			d = g[i] + float32(wd*w[i])
		}
		if started {
			buf[i] = float32(buf[i]*mom) + float32(damp*d)
		} else {
			buf[i] = d
		}
		if nesterov {
			d = d + float32(mom*buf[i])
		} else {
			d = buf[i]
		}
		w[i] += float32(negLR * d)
	}
}
