package workers

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Task is work shared by the caller of Do and its helpers: Run is called
// once on each of them and returns when no piece of the work is left to
// claim.
type Task interface {
	Run()
}

// spinTime is how long an idle helper keeps polling for work before it
// blocks.
const spinTime = 200 * time.Microsecond

// helper is one long-lived goroutine. A caller claims it (owned), hands it
// a task and raises start; the helper runs the task, lowers start,
// releases itself and counts the task's pending calls down.
type helper struct {
	owned    atomic.Bool
	start    atomic.Bool
	sleeping atomic.Bool
	wake     chan struct{} // capacity 1: a wake-up is never lost or blocking
	task     Task
	call     *call
}

var pool struct {
	mu      sync.Mutex
	helpers atomic.Pointer[[]*helper]
}

// Do runs t.Run on the calling goroutine and on up to n idle helpers at
// once, and returns when every call has returned. With n <= 0 it just
// calls t.Run.
//
// If a call panics, the others still finish (they claim the remaining
// pieces), and then Do panics on the calling goroutine with the first
// panic's value, so that a recover there (nn.Try, say) sees it.
func Do(t Task, n int) {
	if n <= 0 {
		t.Run()
		return
	}
	hs := helpers(n)
	c := calls.Get().(*call)
	c.pending.Store(1) // the caller's own call, counted down in finish
	for _, h := range hs {
		if n == 0 {
			break
		}
		if !h.owned.CompareAndSwap(false, true) {
			continue // busy with another caller's task
		}
		n--
		c.pending.Add(1)
		h.task, h.call = t, c
		h.start.Store(true)
		if h.sleeping.Load() {
			select {
			case h.wake <- struct{}{}:
			default:
			}
		}
	}
	defer c.finish()
	t.Run()
}

// call is the shared state of one Do: the calls still running and the
// first panic among them. Pooled, so that Do does not allocate.
type call struct {
	pending  atomic.Int32
	panicked atomic.Pointer[panicValue]
}

// panicValue boxes a recovered panic.
type panicValue struct{ v any }

var calls = sync.Pool{New: func() any { return new(call) }}

// finish counts the caller's own call down, waits for the helpers' and
// re-raises the first panic, if any; deferred by Do, so that it also runs
// when the caller's call panics.
func (c *call) finish() {
	if r := recover(); r != nil {
		c.panicked.CompareAndSwap(nil, &panicValue{r})
	}
	c.pending.Add(-1)
	// The helpers claim the same pieces of work, so they finish within
	// about one piece of the caller; spinning here avoids a wake-up.
	for i := 0; c.pending.Load() != 0; i++ {
		if i%64 == 63 {
			runtime.Gosched()
		}
	}
	p := c.panicked.Swap(nil)
	calls.Put(c)
	if p != nil {
		panic(p.v)
	}
}

// helpers returns the helper list, starting helpers until there are at
// least n of them.
func helpers(n int) []*helper {
	if hs := pool.helpers.Load(); hs != nil && len(*hs) >= n {
		return *hs
	}
	pool.mu.Lock()
	defer pool.mu.Unlock()
	var hs []*helper
	if p := pool.helpers.Load(); p != nil {
		hs = *p
	}
	for len(hs) < n {
		h := &helper{wake: make(chan struct{}, 1)}
		go h.loop()
		hs = append(hs[:len(hs):len(hs)], h)
	}
	pool.helpers.Store(&hs)
	return hs
}

// loop runs tasks as they come; between them it polls for spinTime, then
// sleeps until a caller wakes it.
func (h *helper) loop() {
	for {
		h.await()
		t, c := h.task, h.call
		h.run(t, c)
		h.task, h.call = nil, nil
		h.start.Store(false)
		h.owned.Store(false)
		c.pending.Add(-1)
	}
}

// run calls t.Run, handing a panic to the caller of Do instead of
// crashing the program from this goroutine.
func (h *helper) run(t Task, c *call) {
	defer func() {
		if r := recover(); r != nil {
			c.panicked.CompareAndSwap(nil, &panicValue{r})
		}
	}()
	t.Run()
}

// await returns once a task has been handed over.
func (h *helper) await() {
	deadline := time.Now().Add(spinTime)
	for i := 1; ; i++ {
		if h.start.Load() {
			return
		}
		if i%64 != 0 {
			continue
		}
		// Let other goroutines have this core now and then.
		runtime.Gosched()
		if time.Now().Before(deadline) {
			continue
		}
		// Sleep. The caller raises start and then reads sleeping; we
		// set sleeping and then read start, so one of us sees the other.
		h.sleeping.Store(true)
		if !h.start.Load() {
			<-h.wake
		}
		h.sleeping.Store(false)
		deadline = time.Now().Add(spinTime)
	}
}
