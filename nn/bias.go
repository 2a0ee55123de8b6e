package nn

import (
	"runtime"
	"sync"
	"unsafe"

	"github.com/seedling-ml/seedling/nn/internal/workers"
)

// addChannelBias adds bias[c] to every element of plane c of each of the
// n images of y ([n, len(bias), plane]), in parallel for large outputs.
func addChannelBias(y, bias []float32, n, plane int) {
	rows := n * len(bias)
	chunk := max(1, elementGrain/plane)
	t := biasTasks.Get().(*biasTask)
	*t = biasTask{chunks: chunks{n: rows, chunk: chunk}, y: y, bias: bias, plane: plane}
	helpers := 0
	if rows*plane > elementGrain {
		helpers = min(runtime.GOMAXPROCS(0), (rows+chunk-1)/chunk) - 1
	}
	workers.Do(t, helpers)
	*t = biasTask{}
	biasTasks.Put(t)
}

// biasTask is addChannelBias's workers.Task, pooled so that it does not
// allocate.
type biasTask struct {
	chunks  // rows: planes of y
	y, bias []float32
	plane   int
}

var biasTasks = sync.Pool{New: func() any { return new(biasTask) }}

// Run adds the bias to chunks of planes until none is left.
func (t *biasTask) Run() {
	for lo, hi, ok := t.claim(); ok; lo, hi, ok = t.claim() {
		for p := lo; p < hi; p++ {
			bv := t.bias[p%len(t.bias)]
			row := t.y[p*t.plane : (p+1)*t.plane]
			for i := range row {
				row[i] += bv
			}
		}
	}
}

// overlaps reports whether two slices share any element.
func overlaps(a, b []float32) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	a0, b0 := uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	const size = unsafe.Sizeof(float32(0))
	return a0 < b0+uintptr(len(b))*size && b0 < a0+uintptr(len(a))*size
}
