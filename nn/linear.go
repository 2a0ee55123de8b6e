package nn

import "fmt"

// Linear applies y = x * w^T + b, as torch.nn.functional.linear.
//
//	x: [N, in]   w: [out, in]   b: [out] or nil   y: [N, out]
func Linear(x, w, b *Tensor) *Tensor {
	if x.Dim() != 2 || w.Dim() != 2 || x.Shape[1] != w.Shape[1] {
		panic(fmt.Sprintf("nn: Linear: input %v and weight %v do not fit (needs [N,in] and [out,in])", x.Shape, w.Shape))
	}
	n, in, out := x.Shape[0], x.Shape[1], w.Shape[0]
	if b != nil && (b.Dim() != 1 || b.Shape[0] != out) {
		panic(fmt.Sprintf("nn: Linear: bias %v does not match weight %v", b.Shape, w.Shape))
	}
	y := New(n, out)
	if b != nil {
		for i := 0; i < n; i++ {
			copy(y.Data[i*out:(i+1)*out], b.Data)
		}
	}
	gemm(false, true, n, out, in, 1, x.Data, in, w.Data, in, 1, y.Data, out)
	record(y, "Linear", []*Tensor{x, w, b}, func(gy *Tensor, gx []*Tensor) {
		if gx[0] != nil { // gx[N,in] += gy[N,out] * w[out,in]
			gemm(false, false, n, in, out, 1, gy.Data, out, w.Data, in, 1, gx[0].Data, in)
		}
		if gx[1] != nil { // gw[out,in] += gy^T[out,N] * x[N,in]
			gemm(true, false, out, in, n, 1, gy.Data, out, x.Data, in, 1, gx[1].Data, in)
		}
		if gx[2] != nil {
			for i := 0; i < n; i++ {
				axpy(gx[2].Data, gy.Data[i*out:(i+1)*out])
			}
		}
	})
	return y
}
