package optim

import (
	"runtime"
	"sync"
)

// minParallel is the elements below which halves runs on one goroutine:
// a goroutine costs about a microsecond, the update of 64 K elements tens.
const minParallel = 1 << 16

// halves runs f over [0, n), in two halves on two goroutines when n is
// large and the process has two cores or more. The halves split on a
// multiple of 8, so that each starts a whole vector. Updates are
// element-wise, so the result does not depend on the split.
func halves(n int, f func(lo, hi int)) {
	if n < minParallel || runtime.GOMAXPROCS(0) < 2 {
		f(0, n)
		return
	}
	mid := n / 2 &^ 7
	var wg sync.WaitGroup
	wg.Go(func() { f(mid, n) })
	f(0, mid)
	wg.Wait()
}
