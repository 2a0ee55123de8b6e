package nn

import "fmt"

// In-place versions of ReLU and Add, for the tensors of a training graph
// that nothing reads again: torchvision's ResNet does the same
// (nn.ReLU(inplace=True), out += identity), which is most of why its
// training step needs less memory than a graph that keeps every output.
//
// Overwriting a tensor is safe only when the backward pass of the op that
// produced it does not read it. That holds for Conv2d, BatchNorm2d, Linear
// and Add, whose backward passes read their inputs (or nothing), and not,
// for example, for ReLU, MaxPool2d or Softmax, which read their outputs. An
// in-place op checks the producer and falls back to a new tensor when it is
// not one of those, or when the tensor is a leaf, so that a gradient is
// never computed from overwritten data.

// overwritable reports whether t's data may be overwritten by the op that
// consumes it without changing any gradient: t is not a leaf of a graph,
// and its producer's backward does not read t.
func overwritable(t *Tensor) bool {
	if t.requiresGrad || t.retain {
		return false
	}
	if t.node == nil {
		return !t.tracked // an untracked tensor: no graph at all
	}
	switch t.node.op {
	case "Conv2d", "BatchNorm2d", "Linear", "Add":
		return true
	}
	return false
}

// ReLUInPlace is ReLU that writes its result into x's own data when that
// is safe (see overwritable) and returns a tensor sharing it; otherwise it
// is ReLU. The caller must not read x again: its data may now hold the
// result.
func ReLUInPlace(x *Tensor) *Tensor {
	if !overwritable(x) {
		return ReLU(x)
	}
	parallelFor(len(x.Data), elementGrain, func(lo, hi int) {
		vecRelu(x.Data[lo:hi], x.Data[lo:hi])
	})
	y := &Tensor{Shape: x.Shape, Data: x.Data}
	if anyTracked(x) {
		recordInPlace(y, "ReLU", []*Tensor{x}, reluBackward(y), reluMask(y))
	}
	return y
}

// AddInPlace is Add that writes a+b into a's data when that is safe (see
// overwritable) and returns a tensor sharing it; otherwise it is Add. The
// caller must not read a again.
func AddInPlace(a, b *Tensor) *Tensor {
	if !overwritable(a) {
		return Add(a, b)
	}
	if !SameShape(a.Shape, b.Shape) {
		panic(fmt.Sprintf("nn: Add: shapes %v and %v differ", a.Shape, b.Shape))
	}
	parallelFor(len(a.Data), elementGrain, func(lo, hi int) {
		vecAdd(a.Data[lo:hi], a.Data[lo:hi], b.Data[lo:hi])
	})
	y := &Tensor{Shape: a.Shape, Data: a.Data}
	if anyTracked(a, b) {
		recordInPlace(y, "Add", []*Tensor{a, b}, addBackward, identityGrad)
	}
	return y
}
