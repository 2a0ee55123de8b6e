package optim

import (
	"fmt"

	"github.com/seedling-ml/seedling/nn"
)

// Optimizer updates parameters in place from their gradients. SGD and Adam
// (which also implements AdamW) satisfy it.
type Optimizer interface {
	Schedulable
	// Step applies one update to every parameter that requires a gradient
	// and has one (a nil Grad means "no gradient this step": the parameter
	// and its state are left untouched, as PyTorch does). A gradient whose
	// shape differs from its parameter's is an error, reported before any
	// parameter is changed.
	Step() error
	// ZeroGrad sets the Grad of every parameter of the optimizer to nil
	// (PyTorch's zero_grad(set_to_none=True)), so the next backward pass
	// starts from fresh gradients and a parameter that receives none is
	// skipped by the next Step.
	ZeroGrad()
	// Params returns every parameter of every group, in group order.
	Params() []nn.Named
	// GroupName returns the name given to group i (may be empty).
	GroupName(i int) string
	// Steps returns how many times Step has run, restored by LoadState.
	Steps() int64
	// State returns the optimizer state to save with a checkpoint: tensors
	// named optim.<param>.<buffer> (copies) and string metadata with the
	// optimizer type, the groups' hyper-parameters and the step counts.
	State() (map[string]*nn.Tensor, map[string]string)
	// LoadState restores a state written by State. It checks the optimizer
	// type, the groups' parameter names and every tensor's name and shape,
	// and changes nothing when it returns an error. Tensors whose names do
	// not start with "optim." are ignored, so a whole checkpoint can be
	// passed. As in PyTorch, the groups' hyper-parameters (learning rates
	// included) are restored too.
	LoadState(tensors map[string]*nn.Tensor, meta map[string]string) error
}

// Schedulable is the part of an optimizer a learning-rate schedule drives:
// one learning rate (and one momentum) per parameter group. Group indices
// run from 0 to NumGroups()-1.
type Schedulable interface {
	// NumGroups returns the number of parameter groups.
	NumGroups() int
	// LR returns the current learning rate of group i.
	LR(i int) float64
	// SetLR sets the learning rate of group i.
	SetLR(i int, lr float64)
	// InitialLR returns the learning rate group i was created with
	// (PyTorch's initial_lr); schedules scale it, which keeps the ratios
	// between groups.
	InitialLR(i int) float64
	// Momentum returns the momentum of group i: SGD's momentum, or Adam's
	// beta1.
	Momentum(i int) float64
	// SetMomentum sets the momentum of group i (SGD's momentum, or Adam's
	// beta1), for schedules that cycle it.
	SetMomentum(i int, m float64)
}

// groups holds what every optimizer keeps per parameter group: the name,
// the parameters and the initial learning rate.
type groups struct {
	names     []string
	params    [][]nn.Named
	initialLR []float64
}

// add validates and appends one group. Parameters must be non-nil and
// their names non-empty and unique across all groups, because the saved
// state is keyed by name.
func (g *groups) add(name string, params []nn.Named, lr float64, seenName map[string]int, seenTensor map[*nn.Tensor]string) error {
	gi := len(g.names)
	label := groupLabel(gi, name)
	if len(params) == 0 {
		return fmt.Errorf("optim: %s has no parameters", label)
	}
	for _, p := range params {
		switch {
		case p.Name == "":
			return fmt.Errorf("optim: %s: a parameter has an empty name (state is saved by name)", label)
		case p.Tensor == nil:
			return fmt.Errorf("optim: %s: parameter %q is nil", label, p.Name)
		case len(p.Tensor.Data) != numel(p.Tensor.Shape):
			return fmt.Errorf("optim: %s: parameter %q has %d values for shape %v", label, p.Name, len(p.Tensor.Data), p.Tensor.Shape)
		}
		if other, dup := seenName[p.Name]; dup {
			where := "this group"
			if other != gi {
				where = groupLabel(other, g.names[other])
			}
			return fmt.Errorf("optim: %s: parameter name %q already appears in %s", label, p.Name, where)
		}
		if other, dup := seenTensor[p.Tensor]; dup {
			return fmt.Errorf("optim: %s: parameter %q is the same tensor as %q", label, p.Name, other)
		}
		seenName[p.Name] = gi
		seenTensor[p.Tensor] = p.Name
	}
	g.names = append(g.names, name)
	g.params = append(g.params, append([]nn.Named(nil), params...))
	g.initialLR = append(g.initialLR, lr)
	return nil
}

// NumGroups returns the number of parameter groups.
func (g *groups) NumGroups() int { return len(g.names) }

// InitialLR returns the learning rate group i was created with.
func (g *groups) InitialLR(i int) float64 { return g.initialLR[i] }

// GroupName returns the name given to group i (may be empty).
func (g *groups) GroupName(i int) string { return g.names[i] }

// Params returns every parameter of every group, in group order.
func (g *groups) Params() []nn.Named {
	var all []nn.Named
	for _, ps := range g.params {
		all = append(all, ps...)
	}
	return all
}

// ZeroGrad sets the Grad of every parameter to nil.
func (g *groups) ZeroGrad() {
	for _, ps := range g.params {
		for _, p := range ps {
			p.Tensor.Grad = nil
		}
	}
}

// active reports whether p takes part in this step: it requires a gradient
// and has one.
func active(p nn.Named) bool {
	return p.Tensor.RequiresGradient() && p.Tensor.Grad != nil
}

// checkGrads verifies that every active parameter's gradient has the
// parameter's shape, before any update is made.
func (g *groups) checkGrads() error {
	for gi, ps := range g.params {
		for _, p := range ps {
			if !active(p) {
				continue
			}
			gr := p.Tensor.Grad
			if !nn.SameShape(gr.Shape, p.Tensor.Shape) || len(gr.Data) != len(p.Tensor.Data) {
				return fmt.Errorf("optim: %s: parameter %q of shape %v has a gradient of shape %v (%d values)",
					groupLabel(gi, g.names[gi]), p.Name, p.Tensor.Shape, gr.Shape, len(gr.Data))
			}
		}
	}
	return nil
}

func groupLabel(i int, name string) string {
	if name == "" {
		return fmt.Sprintf("group %d", i)
	}
	return fmt.Sprintf("group %d (%q)", i, name)
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
