package nn

import (
	"runtime"
	"sync"
)

// elementGrain is the smallest number of elements of an element-wise loop
// worth handing to another goroutine.
const elementGrain = 1 << 15

// parallelFor splits [0, n) into contiguous ranges and runs fn on them on
// up to GOMAXPROCS goroutines. Work smaller than grain items runs on the
// calling goroutine, where spawning would cost more than it saves.
func parallelFor(n, grain int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if grain < 1 {
		grain = 1
	}
	if n <= grain || workers == 1 {
		fn(0, n)
		return
	}
	chunks := min(workers, (n+grain-1)/grain)
	var wg sync.WaitGroup
	for c := 1; c < chunks; c++ {
		lo, hi := c*n/chunks, (c+1)*n/chunks
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	fn(0, n/chunks)
	wg.Wait()
}
