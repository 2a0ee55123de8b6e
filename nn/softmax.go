package nn

import (
	"fmt"
	"math"
)

// LogSoftmax applies log-softmax along dimension 1 of a 2-D tensor, with
// the max subtracted first so that any finite logits give finite results.
//
//	x: [N, C]   y: [N, C], y = x - max - log(sum(exp(x - max)))
func LogSoftmax(x *Tensor) *Tensor {
	n, c := rows2D("LogSoftmax", x)
	y := New(n, c)
	for i := 0; i < n; i++ {
		logSoftmaxRow(x.Data[i*c:(i+1)*c], y.Data[i*c:(i+1)*c])
	}
	record(y, "LogSoftmax", []*Tensor{x}, func(gy *Tensor, gx []*Tensor) {
		// gx = gy - softmax * sum(gy), row-wise
		for i := 0; i < n; i++ {
			var s float64
			for _, g := range gy.Data[i*c : (i+1)*c] {
				s += float64(g)
			}
			for j := i * c; j < (i+1)*c; j++ {
				gx[0].Data[j] += gy.Data[j] - float32(math.Exp(float64(y.Data[j]))*s)
			}
		}
	})
	return y
}

// Softmax applies softmax along dimension 1 of a 2-D tensor (max-subtracted).
//
//	x: [N, C]   y: [N, C]
func Softmax(x *Tensor) *Tensor {
	n, c := rows2D("Softmax", x)
	y := New(n, c)
	for i := 0; i < n; i++ {
		row := y.Data[i*c : (i+1)*c]
		logSoftmaxRow(x.Data[i*c:(i+1)*c], row)
		for j, v := range row {
			row[j] = float32(math.Exp(float64(v)))
		}
	}
	record(y, "Softmax", []*Tensor{x}, func(gy *Tensor, gx []*Tensor) {
		// gx = y * (gy - sum(gy*y)), row-wise
		for i := 0; i < n; i++ {
			var s float64
			for j := i * c; j < (i+1)*c; j++ {
				s += float64(gy.Data[j]) * float64(y.Data[j])
			}
			for j := i * c; j < (i+1)*c; j++ {
				gx[0].Data[j] += y.Data[j] * (gy.Data[j] - float32(s))
			}
		}
	})
	return y
}

func rows2D(op string, x *Tensor) (n, c int) {
	if x.Dim() != 2 || x.Shape[1] < 1 {
		panic(fmt.Sprintf("nn: %s: input %v must be [N, C] with C >= 1", op, x.Shape))
	}
	return x.Shape[0], x.Shape[1]
}

// logSoftmaxRow writes log-softmax of x into y, computing in float64 after
// subtracting the row maximum.
func logSoftmaxRow(x, y []float32) {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	if math.IsInf(m, 0) || math.IsNaN(m) {
		// All -inf (or +inf/NaN present): fall back to plain arithmetic.
		m = 0
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	lse := m + math.Log(s)
	for j, v := range x {
		y[j] = float32(float64(v) - lse)
	}
}
