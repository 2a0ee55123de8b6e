package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/seedling-ml/seedling/nn/internal/workers"
)

// minFlopsPerThread is the work (2*m*n*k) below which another thread does
// not pay for waking it and for packing its share: about 10 µs of compute.
const minFlopsPerThread = 1 << 21

// call is one parallel Sgemm: C is cut into bands of whole tiles, and
// every thread (the caller and up to nt-1 helpers) takes the next band
// until none is left. Taking bands on demand, rather than one fixed share
// per thread, keeps both cores busy when another process or goroutine
// slows one of them down. Pooled, so that a call allocates nothing once
// warm.
type call struct {
	prob   problem // copied, so the caller's problem stays on its stack
	byCols bool
	bands  int // number of bands
	tiles  int // units along the split dimension
	unit   int // rows or columns in a unit
	next   atomic.Int64
}

var callPool = sync.Pool{New: func() any { return new(call) }}

// threadCount is how many threads to use for p.
func threadCount(p *problem) int {
	nt := runtime.GOMAXPROCS(0)
	flops := 2 * float64(p.m) * float64(p.n) * float64(p.k)
	nt = min(nt, int(flops/minFlopsPerThread))
	// At least one tile row or column per thread.
	nt = min(nt, max((p.m+mr-1)/mr, (p.n+nr-1)/nr))
	return max(nt, 1)
}

// compute runs p on as many threads as pay. C is split into column bands
// when it has at least as many tile columns as tile rows (a thread then
// packs only its part of B; A is read in place), else into row bands
// (fewer of them, as each row band packs all of B).
func compute(p *problem) {
	nt := threadCount(p)
	if nt == 1 {
		ws := workspacePool.Get().(*workspace)
		ws.run(p)
		workspacePool.Put(ws)
		return
	}
	cl := callPool.Get().(*call)
	cl.prob = *p
	cl.byCols = splitByCols(p, nt)
	// Bands of whole tiles; column bands of whole groups of slivers for a
	// wide kernel, so that no band leaves it a narrower group. One row
	// band or two column bands per thread: each band re-reads a whole
	// operand, and with helpers that start at once, fewer bands measured
	// faster than finer ones (on two threads, 128x784x576: 272 GFLOP/s
	// with 4 column bands, 259 with 8, 253 with 13).
	cl.unit, cl.bands = mr, nt
	if cl.byCols {
		cl.unit, cl.bands = nr, 2*nt
		if p.kern.wide != nil {
			cl.unit = maxWide * nr
		}
	}
	size := p.m
	if cl.byCols {
		size = p.n
	}
	cl.tiles = (size + cl.unit - 1) / cl.unit
	cl.bands = min(cl.bands, cl.tiles)
	cl.next.Store(0)
	workers.Do(cl, nt-1)
	cl.prob = problem{} // drop the references to the caller's slices
	callPool.Put(cl)
}

// Run computes bands of cl until none is left (workers.Task).
func (cl *call) Run() {
	ws := workspacePool.Get().(*workspace)
	defer workspacePool.Put(ws)
	p, unit, size := &cl.prob, cl.unit, cl.prob.m
	if cl.byCols {
		size = p.n
	}
	for {
		t := int(cl.next.Add(1) - 1)
		if t >= cl.bands {
			return
		}
		lo := min(t*cl.tiles/cl.bands*unit, size)
		hi := min((t+1)*cl.tiles/cl.bands*unit, size)
		if lo >= hi {
			continue
		}
		band := p.band(cl.byCols, lo, hi)
		ws.run(&band)
	}
}

// band returns the sub-problem for columns [lo, hi) of C when byCols, else
// for rows [lo, hi).
func (p *problem) band(byCols bool, lo, hi int) problem {
	q := *p
	if byCols {
		q.n = hi - lo
		if p.bTrans {
			q.b = p.b[lo*p.ldb:]
		} else {
			q.b = p.b[lo:]
		}
		q.c = p.c[lo:]
		return q
	}
	q.m = hi - lo
	if p.aTrans {
		q.a = p.a[lo:]
	} else {
		q.a = p.a[lo*p.lda:]
	}
	q.c = p.c[lo*p.ldc:]
	return q
}

// splitMode is the test hook for splitByCols: 1 forces column bands, -1
// row bands, 0 leaves it to the cost model.
var splitMode = 0

// splitByCols reports whether C is better split into column bands than
// into row bands on nt threads. Every column band reads all of op(A) and
// every row band all of op(B), so it picks the split that moves fewer
// elements, counting an element that is packed (copied) twice: B always
// is unless it is read in place, A when transposed.
func splitByCols(p *problem, nt int) bool {
	if splitMode != 0 {
		return splitMode > 0
	}
	tilesM, tilesN := (p.m+mr-1)/mr, (p.n+nr-1)/nr
	a, b := float64(p.m)*float64(p.k), float64(p.k)*float64(p.n)
	if p.aTrans {
		a *= 2
	}
	if !p.readsBInPlace() {
		b *= 2
	}
	colBands, rowBands := float64(min(2*nt, tilesN)), float64(min(nt, tilesM))
	return colBands*a+b <= a+rowBands*b
}
