package nn

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/seedling-ml/seedling/nn/internal/workers"
)

// elementGrain is the smallest number of elements of an element-wise loop
// worth handing to another goroutine.
const elementGrain = 1 << 15

// chunks hands out the ranges of chunk items of [0, n), in order, to
// whichever goroutine asks next: the work sharing of every workers.Task
// of the package.
type chunks struct {
	n, chunk int
	next     atomic.Int64
}

// claim returns the next range [lo, hi), or ok == false when none is left.
func (c *chunks) claim() (lo, hi int, ok bool) {
	lo = int(c.next.Add(1)-1) * c.chunk
	if lo >= c.n {
		return 0, 0, false
	}
	return lo, min(lo+c.chunk, c.n), true
}

// rangeTask is parallelFor's workers.Task.
type rangeTask struct {
	chunks
	fn func(lo, hi int)
}

var rangeTasks = sync.Pool{New: func() any { return new(rangeTask) }}

// Run calls fn on chunks until none is left.
func (t *rangeTask) Run() {
	for lo, hi, ok := t.claim(); ok; lo, hi, ok = t.claim() {
		t.fn(lo, hi)
	}
}

// parallelFor splits [0, n) into up to GOMAXPROCS contiguous ranges and
// runs fn on them on the calling goroutine and the package's helpers
// (nn/internal/workers). Work smaller than grain items runs on the
// calling goroutine, where handing it over would cost more than it saves.
func parallelFor(n, grain int, fn func(lo, hi int)) {
	procs := runtime.GOMAXPROCS(0)
	if grain < 1 {
		grain = 1
	}
	if n <= grain || procs == 1 {
		fn(0, n)
		return
	}
	parts := min(procs, (n+grain-1)/grain)
	t := rangeTasks.Get().(*rangeTask)
	*t = rangeTask{chunks: chunks{n: n, chunk: (n + parts - 1) / parts}, fn: fn}
	workers.Do(t, parts-1)
	*t = rangeTask{}
	rangeTasks.Put(t)
}
