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
	pending  *atomic.Int32
}

// counters holds the pending-call counters of Do, shared with the
// helpers and so on the heap, reused so that Do does not allocate.
var counters = sync.Pool{New: func() any { return new(atomic.Int32) }}

var pool struct {
	mu      sync.Mutex
	helpers atomic.Pointer[[]*helper]
}

// Do runs t.Run on the calling goroutine and on up to n idle helpers at
// once, and returns when every call has returned. With n <= 0 it just
// calls t.Run.
func Do(t Task, n int) {
	if n <= 0 {
		t.Run()
		return
	}
	hs := helpers(n)
	pending := counters.Get().(*atomic.Int32)
	defer counters.Put(pending)
	pending.Store(1) // the caller's own call, counted down below
	for _, h := range hs {
		if n == 0 {
			break
		}
		if !h.owned.CompareAndSwap(false, true) {
			continue // busy with another caller's task
		}
		n--
		pending.Add(1)
		h.task, h.pending = t, pending
		h.start.Store(true)
		if h.sleeping.Load() {
			select {
			case h.wake <- struct{}{}:
			default:
			}
		}
	}
	t.Run()
	pending.Add(-1)
	// The helpers claim the same pieces of work, so they finish within
	// about one piece of the caller; spinning here avoids a wake-up.
	for i := 0; pending.Load() != 0; i++ {
		if i%64 == 63 {
			runtime.Gosched()
		}
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
		t, pending := h.task, h.pending
		t.Run()
		h.task, h.pending = nil, nil
		h.start.Store(false)
		h.owned.Store(false)
		pending.Add(-1)
	}
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
