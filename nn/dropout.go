package nn

import (
	"fmt"
	"math/rand/v2"
)

// Dropout zeroes each element with probability p and scales the others by
// 1/(1-p) when training; otherwise it returns x unchanged. rng makes runs
// reproducible.
//
//	x: any shape   y: same shape
func Dropout(x *Tensor, p float64, training bool, rng *rand.Rand) *Tensor {
	if !(p >= 0 && p <= 1) { // also rejects NaN
		panic(fmt.Sprintf("nn: Dropout: probability %v is outside [0, 1]", p))
	}
	if !training || p == 0 {
		return x
	}
	y := New(x.Shape...)
	mask := make([]float32, len(x.Data))
	if p < 1 {
		keep := float32(1 / (1 - p))
		for i := range mask {
			if rng.Float64() >= p {
				mask[i] = keep
			}
		}
	}
	for i, v := range x.Data {
		y.Data[i] = v * mask[i]
	}
	record(y, "Dropout", []*Tensor{x}, func(gy *Tensor, gx []*Tensor) {
		for i, g := range gy.Data {
			gx[0].Data[i] += g * mask[i]
		}
	})
	return y
}
