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

// rangeTask is parallelFor's workers.Task: [0, n) in chunks of chunk
// items, each claimed by whichever goroutine is free.
type rangeTask struct {
	fn       func(lo, hi int)
	n, chunk int
	next     atomic.Int64
}

var rangeTasks = sync.Pool{New: func() any { return new(rangeTask) }}

// Run calls fn on chunks until none is left.
func (t *rangeTask) Run() {
	for {
		lo := int(t.next.Add(1)-1) * t.chunk
		if lo >= t.n {
			return
		}
		t.fn(lo, min(lo+t.chunk, t.n))
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
	chunks := min(procs, (n+grain-1)/grain)
	t := rangeTasks.Get().(*rangeTask)
	t.fn, t.n, t.chunk = fn, n, (n+chunks-1)/chunks
	t.next.Store(0)
	workers.Do(t, chunks-1)
	t.fn = nil
	rangeTasks.Put(t)
}
