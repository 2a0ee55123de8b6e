package nn

import "fmt"

// Add returns a + b element-wise (the residual connection).
//
//	a, b: same shape   y: that shape
func Add(a, b *Tensor) *Tensor {
	if !SameShape(a.Shape, b.Shape) {
		panic(fmt.Sprintf("nn: Add: shapes %v and %v differ", a.Shape, b.Shape))
	}
	y := New(a.Shape...)
	parallelFor(len(a.Data), elementGrain, func(lo, hi int) {
		vecAdd(y.Data[lo:hi], a.Data[lo:hi], b.Data[lo:hi])
	})
	if anyTracked(a, b) {
		recordInPlace(y, "Add", []*Tensor{a, b}, addBackward, identityGrad)
	}
	return y
}

// addBackward passes the output's gradient to both inputs.
func addBackward(gy *Tensor, gx []*Tensor) {
	for _, g := range gx {
		if g != nil {
			parallelFor(len(g.Data), elementGrain, func(lo, hi int) {
				axpy(g.Data[lo:hi], gy.Data[lo:hi])
			})
		}
	}
}

// Scale returns s * x element-wise.
func Scale(x *Tensor, s float32) *Tensor {
	y := New(x.Shape...)
	for i, v := range x.Data {
		y.Data[i] = s * v
	}
	record(y, "Scale", []*Tensor{x}, func(gy *Tensor, gx []*Tensor) {
		for i, v := range gy.Data {
			gx[0].Data[i] += s * v
		}
	})
	return y
}

// Mul returns a * b element-wise.
func Mul(a, b *Tensor) *Tensor {
	if !SameShape(a.Shape, b.Shape) {
		panic(fmt.Sprintf("nn: Mul: shapes %v and %v differ", a.Shape, b.Shape))
	}
	y := New(a.Shape...)
	for i, v := range a.Data {
		y.Data[i] = v * b.Data[i]
	}
	record(y, "Mul", []*Tensor{a, b}, func(gy *Tensor, gx []*Tensor) {
		if gx[0] != nil {
			for i, g := range gy.Data {
				gx[0].Data[i] += g * b.Data[i]
			}
		}
		if gx[1] != nil {
			for i, g := range gy.Data {
				gx[1].Data[i] += g * a.Data[i]
			}
		}
	})
	return y
}
