package nn

import (
	"fmt"
)

// backwardFunc accumulates the gradient of an operation's inputs. gy is the
// gradient of the operation's output; gx[i] is the buffer to add the
// gradient of input i into, or nil when that gradient is not wanted.
// Every backwardFunc adds (+=), never assigns, so a tensor used twice
// receives the sum of both contributions.
type backwardFunc func(gy *Tensor, gx []*Tensor)

// node is one recorded operation of the autograd graph.
type node struct {
	op       string
	inputs   []*Tensor
	backward backwardFunc
	// gradInPlace, when set, turns the output's gradient into the
	// gradient of each input, in place: ReLU zeroes it where the output
	// is not positive, Add leaves it as it is. The engine then hands the
	// output's gradient buffer on to an input whose gradient has not
	// started, instead of adding it into a zeroed buffer (see handOn).
	gradInPlace func(g *Tensor)
}

// RequiresGrad marks t as an input leaf whose gradient is wanted: operations
// on it are recorded and Backward accumulates into t.Grad. It returns t.
func (t *Tensor) RequiresGrad() *Tensor {
	t.requiresGrad = true
	t.tracked = true
	return t
}

// NewParameter wraps data as a trainable parameter: a leaf that requires a
// gradient but does not by itself start a graph. Operations are recorded
// only when the activation flowing through them is tracked (see Track), so
// the same model runs in no-grad mode on an untracked input.
func NewParameter(data []float32, shape ...int) *Tensor {
	t := FromData(data, shape...)
	t.requiresGrad = true
	return t
}

// SetRequiresGrad sets or clears the gradient requirement of a leaf, for
// example to freeze a parameter. It does not change whether operations on
// the tensor start a graph.
func (t *Tensor) SetRequiresGrad(on bool) { t.requiresGrad = on }

// RequiresGradient reports whether t is a leaf whose gradient is wanted.
func (t *Tensor) RequiresGradient() bool { return t.requiresGrad }

// Tracked reports whether operations on t are recorded on a graph.
func (t *Tensor) Tracked() bool { return t.tracked || t.node != nil }

// Track returns a view of t whose operations are recorded, without asking
// for t's own gradient. Pass a tracked input to a model to train it: the
// parameters' gradients are then available after Backward. An untracked
// input runs the model in no-grad mode: nothing is recorded.
func Track(t *Tensor) *Tensor {
	if t.Tracked() {
		return t
	}
	return &Tensor{Shape: t.Shape, Data: t.Data, tracked: true}
}

// RetainGrad asks Backward to store the gradient of a non-leaf tensor (such
// as a tapped activation) in t.Grad. It returns t.
func (t *Tensor) RetainGrad() *Tensor {
	t.retain = true
	return t
}

// Op returns the name of the operation that produced t, or "" for a leaf.
func (t *Tensor) Op() string {
	if t.node == nil {
		return ""
	}
	return t.node.op
}

// record attaches a graph node to out when any input is tracked. Parameters
// (leaves requiring grad) alone do not start a graph: the activation
// flowing through the network decides, which makes an untracked input a
// no-grad inference pass that is safe to run from many goroutines at once.
func record(out *Tensor, op string, inputs []*Tensor, bw backwardFunc) {
	for _, in := range inputs {
		if in != nil && in.Tracked() {
			out.node = &node{op: op, inputs: inputs, backward: bw}
			out.tracked = true
			return
		}
	}
}

// recordInPlace is record for an operation whose input gradients are all
// its output's gradient transformed in place by inPlace (node.gradInPlace).
// bw is still used when the output's own gradient is wanted.
func recordInPlace(out *Tensor, op string, inputs []*Tensor, bw backwardFunc, inPlace func(g *Tensor)) {
	record(out, op, inputs, bw)
	if out.node != nil {
		out.node.gradInPlace = inPlace
	}
}

// Backward runs reverse-mode differentiation from a one-element tensor
// (seed 1) and accumulates into the Grad of every leaf that requires a
// gradient and every tensor marked with RetainGrad.
func (t *Tensor) Backward() {
	if len(t.Data) != 1 {
		panic(fmt.Sprintf("nn: Backward without a gradient needs a one-element tensor, got shape %v", t.Shape))
	}
	t.BackwardWith(FromData([]float32{1}, t.Shape...))
}

// BackwardWith runs reverse-mode differentiation from t with the upstream
// gradient gy (same shape as t), accumulating as Backward does.
func (t *Tensor) BackwardWith(gy *Tensor) {
	if !SameShape(gy.Shape, t.Shape) {
		panic(fmt.Sprintf("nn: BackwardWith: gradient shape %v differs from tensor shape %v", gy.Shape, t.Shape))
	}
	if t.node == nil && !t.requiresGrad {
		panic("nn: Backward on a tensor with no graph: pass a tracked input (nn.Track) or a tensor that requires grad")
	}
	want := func(x *Tensor) bool { return x.requiresGrad || x.retain }
	grads := run(t, gy, want)
	for x, g := range grads {
		if !want(x) {
			continue
		}
		if x.Grad == nil {
			x.Grad = g
		} else {
			axpy(x.Grad.Data, g.Data)
		}
	}
}

// Grad returns the gradients of sum(y * gy) with respect to each of wrt
// (leaves or intermediate tensors of y's graph), like torch.autograd.grad.
// Nothing is accumulated into any Grad field, and only the parts of the
// graph that lead to wrt are differentiated: parameter gradients are not
// computed unless a parameter is in wrt. gy nil means ones (y must then have
// one element). A tensor of wrt that y does not depend on gets zeros.
func Grad(y, gy *Tensor, wrt ...*Tensor) []*Tensor {
	if gy == nil {
		if len(y.Data) != 1 {
			panic(fmt.Sprintf("nn: Grad without an upstream gradient needs a one-element output, got shape %v", y.Shape))
		}
		gy = FromData([]float32{1}, y.Shape...)
	}
	if !SameShape(gy.Shape, y.Shape) {
		panic(fmt.Sprintf("nn: Grad: upstream gradient shape %v differs from output shape %v", gy.Shape, y.Shape))
	}
	targets := make(map[*Tensor]bool, len(wrt))
	for _, w := range wrt {
		targets[w] = true
	}
	grads := run(y, gy, func(x *Tensor) bool { return targets[x] })
	out := make([]*Tensor, len(wrt))
	for i, w := range wrt {
		if g, ok := grads[w]; ok {
			out[i] = g
		} else {
			out[i] = New(w.Shape...)
		}
	}
	return out
}

// run differentiates from root and returns the gradient of every tensor for
// which want is true. Intermediate gradients are dropped as soon as their
// node has run, their buffers kept for later ones and, at the end, for the
// next pass (gradCache).
func run(root, gy *Tensor, want func(*Tensor) bool) map[*Tensor]*Tensor {
	// Topological order of the nodes that lead to a wanted tensor.
	reaches := map[*Tensor]bool{}
	var order []*Tensor
	var visit func(t *Tensor) bool
	visit = func(t *Tensor) bool {
		if r, seen := reaches[t]; seen {
			return r
		}
		reaches[t] = false // cycle guard; graphs are acyclic
		r := want(t)
		if t.node != nil {
			for _, in := range t.node.inputs {
				if in != nil && visit(in) {
					r = true
				}
			}
			if r {
				order = append(order, t)
			}
		}
		reaches[t] = r
		return r
	}
	visit(root)
	grads := map[*Tensor]*Tensor{root: gy.Clone()}
	var spare gradPool
	defer spare.release()
	for i := len(order) - 1; i >= 0; i-- {
		t := order[i]
		g := grads[t]
		if g == nil {
			continue
		}
		if t.node.gradInPlace != nil && !want(t) {
			handOn(t, g, grads, reaches, &spare)
			continue
		}
		gx := make([]*Tensor, len(t.node.inputs))
		any := false
		for j, in := range t.node.inputs {
			if in == nil || !reaches[in] {
				continue
			}
			if grads[in] == nil {
				grads[in] = spare.get(in.Shape)
			}
			gx[j] = grads[in]
			any = true
		}
		if any {
			t.node.backward(g, gx)
		}
		if !want(t) {
			// An intermediate gradient is done with once its node has
			// run: its buffer serves a later one of the same size.
			delete(grads, t)
			spare.put(g)
		}
	}
	return grads
}

// handOn runs the backward of t's node, which has gradInPlace, on t's
// gradient g (not wanted itself), after which g is the gradient of each
// input: g itself becomes the gradient of the first input with none yet,
// other inputs with none get a copy, and inputs already started get g
// added. That skips zeroing a buffer and reading it back, for the ReLUs
// and residual adds that are much of a ResNet's backward pass. An input
// given twice (Add(x, x)) gets g, then g added to itself.
func handOn(t, g *Tensor, grads map[*Tensor]*Tensor, reaches map[*Tensor]bool, spare *gradPool) {
	t.node.gradInPlace(g)
	delete(grads, t)
	owned := true // g is still t's, not yet an input's
	for _, in := range t.node.inputs {
		if in == nil || !reaches[in] {
			continue
		}
		dst := grads[in]
		switch {
		case dst == nil && owned:
			grads[in] = g
			owned = false
			continue
		case dst == nil:
			dst = spare.getDirty(in.Shape)
			grads[in] = dst
			parallelFor(len(g.Data), elementGrain, func(lo, hi int) {
				copy(dst.Data[lo:hi], g.Data[lo:hi])
			})
			continue
		}
		parallelFor(len(g.Data), elementGrain, func(lo, hi int) {
			axpy(dst.Data[lo:hi], g.Data[lo:hi])
		})
	}
	if owned {
		spare.put(g)
	}
}
