package nn

// ReLU returns max(x, 0) element-wise; the gradient at exactly 0 is 0.
//
//	x: any shape   y: same shape
func ReLU(x *Tensor) *Tensor {
	y := New(x.Shape...)
	parallelFor(len(x.Data), elementGrain, func(lo, hi int) {
		for i, v := range x.Data[lo:hi] {
			if v > 0 {
				y.Data[lo+i] = v
			}
		}
	})
	record(y, "ReLU", []*Tensor{x}, func(gy *Tensor, gx []*Tensor) {
		g := gx[0].Data
		parallelFor(len(y.Data), elementGrain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				if y.Data[i] > 0 {
					g[i] += gy.Data[i]
				}
			}
		})
	})
	return y
}
