package gemm

import (
	"runtime"
	"sync"
)

// minFlopsPerThread is the work (2*m*n*k) below which another thread does
// not pay for waking it and for packing its share: about 10 µs of compute.
const minFlopsPerThread = 1 << 21

// part is one thread's share of a parallel call.
type part struct {
	ws   *workspace
	prob problem
	wg   *sync.WaitGroup
}

// call holds the shares of one parallel Sgemm; pooled, so that a call
// allocates nothing once warm.
type call struct {
	wg    sync.WaitGroup
	parts []part
}

var callPool = sync.Pool{New: func() any { return new(call) }}

// workers is the set of long-lived goroutines that run the shares of other
// threads, fed through jobs; started on first need.
var workers struct {
	mu    sync.Mutex
	count int
	jobs  chan *part
}

// ensureWorkers starts workers until n of them run.
func ensureWorkers(n int) {
	workers.mu.Lock()
	defer workers.mu.Unlock()
	if workers.jobs == nil {
		workers.jobs = make(chan *part, 64)
	}
	for ; workers.count < n; workers.count++ {
		go func(jobs <-chan *part) {
			for p := range jobs {
				p.ws.run(&p.prob)
				p.wg.Done()
			}
		}(workers.jobs)
	}
}

// threadCount is how many threads to use for p.
func threadCount(p *problem) int {
	nt := runtime.GOMAXPROCS(0)
	flops := 2 * float64(p.m) * float64(p.n) * float64(p.k)
	nt = min(nt, int(flops/minFlopsPerThread))
	// At least one tile row or column per thread.
	nt = min(nt, max((p.m+mr-1)/mr, (p.n+nr-1)/nr))
	return max(nt, 1)
}

// compute runs p on as many threads as pay, splitting C into bands of
// whole tiles: column bands when C has at least as many tile columns as
// tile rows (each thread then packs only its part of B), else row bands.
func compute(p *problem) {
	nt := threadCount(p)
	if nt == 1 {
		ws := workspacePool.Get().(*workspace)
		ws.run(p)
		workspacePool.Put(ws)
		return
	}
	ensureWorkers(nt - 1)
	cl := callPool.Get().(*call)
	if cap(cl.parts) < nt {
		cl.parts = make([]part, nt)
	}
	cl.parts = cl.parts[:nt]
	tilesM, tilesN := (p.m+mr-1)/mr, (p.n+nr-1)/nr
	byCols := tilesN >= tilesM
	tiles, unit := tilesM, mr
	if byCols {
		tiles, unit = tilesN, nr
	}
	for t := range cl.parts {
		lo := min(t*tiles/nt*unit, p.m)
		hi := min((t+1)*tiles/nt*unit, p.m)
		if byCols {
			lo = min(t*tiles/nt*unit, p.n)
			hi = min((t+1)*tiles/nt*unit, p.n)
		}
		cl.parts[t] = part{ws: workspacePool.Get().(*workspace), prob: p.band(byCols, lo, hi), wg: &cl.wg}
	}
	cl.wg.Add(nt - 1)
	for t := 1; t < nt; t++ {
		workers.jobs <- &cl.parts[t]
	}
	cl.parts[0].ws.run(&cl.parts[0].prob)
	cl.wg.Wait()
	for t := range cl.parts {
		workspacePool.Put(cl.parts[t].ws)
		cl.parts[t] = part{}
	}
	callPool.Put(cl)
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
