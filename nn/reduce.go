package nn

import "fmt"

// Sum returns the sum of all elements as a 0-d tensor (accumulated in
// float64).
func Sum(x *Tensor) *Tensor {
	var s float64
	for _, v := range x.Data {
		s += float64(v)
	}
	y := Scalar(float32(s))
	record(y, "Sum", []*Tensor{x}, func(gy *Tensor, gx []*Tensor) {
		g := gy.Data[0]
		for i := range gx[0].Data {
			gx[0].Data[i] += g
		}
	})
	return y
}

// Mean returns the mean of all elements as a 0-d tensor.
func Mean(x *Tensor) *Tensor {
	if len(x.Data) == 0 {
		panic(fmt.Sprintf("nn: Mean of an empty tensor %v", x.Shape))
	}
	return Scale(Sum(x), 1/float32(len(x.Data)))
}

// Channel returns channel c of an NCHW tensor as [N, 1, H, W] (a copy; the
// gradient flows back into that channel only).
func Channel(x *Tensor, c int) *Tensor {
	return Channels(x, []int{c})
}

// Channels gathers the listed channels of an NCHW tensor into
// [N, len(idx), H, W].
func Channels(x *Tensor, idx []int) *Tensor {
	if x.Dim() != 4 {
		panic(fmt.Sprintf("nn: Channels: input %v must be 4-D (NCHW)", x.Shape))
	}
	n, c, plane := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	for _, k := range idx {
		if k < 0 || k >= c {
			panic(fmt.Sprintf("nn: Channels: channel %d out of range for input %v", k, x.Shape))
		}
	}
	y := New(n, len(idx), x.Shape[2], x.Shape[3])
	for i := 0; i < n; i++ {
		for j, k := range idx {
			copy(y.Data[(i*len(idx)+j)*plane:][:plane], x.Data[(i*c+k)*plane:][:plane])
		}
	}
	record(y, "Channels", []*Tensor{x}, func(gy *Tensor, gx []*Tensor) {
		for i := 0; i < n; i++ {
			for j, k := range idx {
				axpy(gx[0].Data[(i*c+k)*plane:][:plane], gy.Data[(i*len(idx)+j)*plane:][:plane])
			}
		}
	})
	return y
}

// Gather picks one element per row of a 2-D tensor: y[i] = x[i, idx[i]]
// (as x.gather(1, idx) in PyTorch), for example the target logit of every
// image of a batch.
//
//	x: [N, C]   idx: N values in [0, C)   y: [N]
func Gather(x *Tensor, idx []int) *Tensor {
	if x.Dim() != 2 || x.Shape[0] != len(idx) {
		panic(fmt.Sprintf("nn: Gather: input %v needs 2 dims and %d rows", x.Shape, len(idx)))
	}
	c := x.Shape[1]
	y := New(len(idx))
	for i, k := range idx {
		if k < 0 || k >= c {
			panic(fmt.Sprintf("nn: Gather: index %d out of range [0,%d) in row %d", k, c, i))
		}
		y.Data[i] = x.Data[i*c+k]
	}
	record(y, "Gather", []*Tensor{x}, func(gy *Tensor, gx []*Tensor) {
		for i, k := range idx {
			gx[0].Data[i*c+k] += gy.Data[i]
		}
	})
	return y
}

// Flatten reshapes x to [Shape[0], product of the rest] (torch.flatten(x, 1)).
func Flatten(x *Tensor) *Tensor {
	if x.Dim() < 1 {
		panic("nn: Flatten of a 0-d tensor")
	}
	return x.Reshape(x.Shape[0], -1)
}
