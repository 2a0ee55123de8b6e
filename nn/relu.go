package nn

// ReLU returns max(x, 0) element-wise (NaN stays NaN, as in PyTorch); the
// gradient at exactly 0 is 0.
//
//	x: any shape   y: same shape
func ReLU(x *Tensor) *Tensor {
	y := New(x.Shape...)
	parallelFor(len(x.Data), elementGrain, func(lo, hi int) {
		vecRelu(y.Data[lo:hi], x.Data[lo:hi])
	})
	if anyTracked(x) {
		recordInPlace(y, "ReLU", []*Tensor{x}, reluBackward(y), reluMask(y))
	}
	return y
}

// reluBackward passes the gradient where the output y is positive; it
// reads only y, never the input.
func reluBackward(y *Tensor) backwardFunc {
	return func(gy *Tensor, gx []*Tensor) {
		g := gx[0].Data
		parallelFor(len(y.Data), elementGrain, func(lo, hi int) {
			vecReluGrad(g[lo:hi], gy.Data[lo:hi], y.Data[lo:hi])
		})
	}
}

// reluMask is ReLU's backward in place on the output's gradient g: zero
// where the output y is not positive (node.gradInPlace).
func reluMask(y *Tensor) func(g *Tensor) {
	return func(g *Tensor) {
		parallelFor(len(y.Data), elementGrain, func(lo, hi int) {
			vecReluMask(g.Data[lo:hi], y.Data[lo:hi])
		})
	}
}

// identityGrad is Add's backward in place: each input's gradient is the
// output's (node.gradInPlace).
func identityGrad(*Tensor) {}
