package nn

// ReLU returns max(x, 0) element-wise; the gradient at exactly 0 is 0.
//
//	x: any shape   y: same shape
func ReLU(x *Tensor) *Tensor {
	y := New(x.Shape...)
	for i, v := range x.Data {
		if v > 0 {
			y.Data[i] = v
		}
	}
	record(y, "ReLU", []*Tensor{x}, func(gy *Tensor, gx []*Tensor) {
		g := gx[0].Data
		for i, v := range y.Data {
			if v > 0 {
				g[i] += gy.Data[i]
			}
		}
	})
	return y
}
