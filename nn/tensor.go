package nn

import (
	"fmt"

	"gonum.org/v1/gonum/blas/blas32"
)

// Tensor is a dense, row-major float32 array. Images and feature maps are
// NCHW. Data is a plain slice that callers may read and write; it can be
// viewed as a gonum blas32.General without copying (see Matrix).
//
// A tensor that is produced by an operation on tracked tensors remembers that
// operation, so that Backward and Grad can run the chain rule through it.
type Tensor struct {
	// Shape holds the size of each dimension; an empty shape is a scalar.
	Shape []int
	// Data holds the elements in row-major order; len(Data) == Numel().
	Data []float32
	// Grad is the accumulated gradient of a leaf that requires it (or of
	// any tensor after RetainGrad); nil until a backward pass writes it.
	Grad *Tensor

	requiresGrad bool  // a leaf whose gradient Backward accumulates
	tracked      bool  // operations on this tensor are recorded
	retain       bool  // keep the gradient of a non-leaf in Grad
	node         *node // the operation that produced this tensor, or nil
}

// New returns a zero-filled tensor of the given shape.
func New(shape ...int) *Tensor {
	n := checkShape(shape)
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, n)}
}

// FromData wraps data (not copied) as a tensor of the given shape. It
// panics if len(data) is not the product of shape.
func FromData(data []float32, shape ...int) *Tensor {
	n := checkShape(shape)
	if len(data) != n {
		panic(fmt.Sprintf("nn: FromData: %d values for shape %v (needs %d)", len(data), shape, n))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}
}

// Scalar returns a 0-d tensor holding v.
func Scalar(v float32) *Tensor { return &Tensor{Shape: []int{}, Data: []float32{v}} }

func checkShape(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("nn: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return n
}

// Check returns an error when t is nil, has a negative dimension, or holds
// a different number of values than its shape needs: what a tensor built
// by hand (or read from a file) must pass before it reaches an op.
func (t *Tensor) Check() error {
	if t == nil {
		return fmt.Errorf("nn: nil tensor")
	}
	n := 1
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("nn: negative dimension in shape %v", t.Shape)
		}
		n *= d
	}
	if len(t.Data) != n {
		return fmt.Errorf("nn: tensor of shape %v holds %d values, needs %d", t.Shape, len(t.Data), n)
	}
	return nil
}

// Numel returns the number of elements.
func (t *Tensor) Numel() int { return len(t.Data) }

// Dim returns the number of dimensions.
func (t *Tensor) Dim() int { return len(t.Shape) }

// Item returns the single value of a one-element tensor.
func (t *Tensor) Item() float32 {
	if len(t.Data) != 1 {
		panic(fmt.Sprintf("nn: Item on a tensor of shape %v", t.Shape))
	}
	return t.Data[0]
}

// Clone returns a deep copy of the data and shape, detached from any graph.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// Detach returns a tensor sharing t's data but with no graph history and no
// gradient requirement: operations on it are not recorded.
func (t *Tensor) Detach() *Tensor { return &Tensor{Shape: t.Shape, Data: t.Data} }

// Reshape returns a view of t with a new shape holding the same number of
// elements. One dimension may be -1 and is then inferred. The view is
// recorded on the graph when t is tracked.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	shape = append([]int(nil), shape...)
	infer, n := -1, 1
	for i, d := range shape {
		if d < -1 {
			panic(fmt.Sprintf("nn: Reshape %v: negative dimension %d", shape, d))
		}
		if d == -1 {
			if infer >= 0 {
				panic(fmt.Sprintf("nn: Reshape %v: more than one -1", shape))
			}
			infer = i
			continue
		}
		n *= d
	}
	if infer >= 0 {
		if n == 0 || len(t.Data)%n != 0 {
			panic(fmt.Sprintf("nn: Reshape %v -> %v: cannot infer -1", t.Shape, shape))
		}
		shape[infer] = len(t.Data) / n
		n *= shape[infer]
	}
	if n != len(t.Data) {
		panic(fmt.Sprintf("nn: Reshape %v -> %v: element counts differ", t.Shape, shape))
	}
	out := &Tensor{Shape: shape, Data: t.Data}
	record(out, "Reshape", []*Tensor{t}, func(gy *Tensor, gx []*Tensor) {
		axpy(gx[0].Data, gy.Data)
	})
	return out
}

// Matrix views t as a row-major blas32.General with Shape[0] rows and the
// product of the other dimensions as columns. The data is shared.
func (t *Tensor) Matrix() blas32.General {
	r, c := 1, len(t.Data)
	if len(t.Shape) > 0 {
		r = t.Shape[0]
		if r == 0 {
			c = 0
		} else {
			c = len(t.Data) / r
		}
	}
	return blas32.General{Rows: r, Cols: c, Stride: max(c, 1), Data: t.Data}
}

// SameShape reports whether a and b have equal shapes.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// String gives the shape and, for small tensors, the values.
func (t *Tensor) String() string {
	if len(t.Data) <= 16 {
		return fmt.Sprintf("Tensor%v%v", t.Shape, t.Data)
	}
	return fmt.Sprintf("Tensor%v[%v %v ... %v]", t.Shape, t.Data[0], t.Data[1], t.Data[len(t.Data)-1])
}

// axpy adds x to y element-wise (y += x).
func axpy(y, x []float32) { vecAxpy(y, x, 1) }
