package workers

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// count is a Task that claims the indices 0..n-1 one at a time and marks
// each, so a test sees every piece done exactly once.
type count struct {
	next  atomic.Int64
	n     int64
	marks []atomic.Int32
	runs  atomic.Int32
}

func newCount(n int) *count { return &count{n: int64(n), marks: make([]atomic.Int32, n)} }

func (c *count) Run() {
	c.runs.Add(1)
	for i := c.next.Add(1) - 1; i < c.n; i = c.next.Add(1) - 1 {
		c.marks[i].Add(1)
	}
}

func (c *count) requireOnce(t *testing.T) {
	t.Helper()
	for i := range c.marks {
		require.EqualValues(t, 1, c.marks[i].Load(), "piece %d", i)
	}
}

func TestDoRunsEveryPieceOnce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pieces  int
		helpers int
	}{
		{"no helpers", 100, 0},
		{"negative helpers", 10, -3},
		{"one helper", 1000, 1},
		{"more helpers than cores", 1000, 7},
		{"no work", 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCount(tc.pieces)
			Do(c, tc.helpers)
			c.requireOnce(t)
			require.LessOrEqual(t, int(c.runs.Load()), max(tc.helpers, 0)+1)
			require.GreaterOrEqual(t, int(c.runs.Load()), 1, "the caller always runs")
		})
	}
}

func TestDoFromManyGoroutines(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for range 200 {
				c := newCount(64)
				Do(c, 2)
				c.requireOnce(t)
			}
		})
	}
	wg.Wait()
}

func TestDoWakesSleepingHelpers(t *testing.T) {
	Do(newCount(10), 1) // start a helper
	time.Sleep(5 * spinTime)
	// The helper is asleep now; a task must still finish, and a slow one
	// long enough for the helper to wake should see it join.
	slow := &slowTask{pieces: 50}
	Do(slow, 1)
	require.EqualValues(t, 50, slow.done.Load())
}

type slowTask struct {
	next, done atomic.Int64
	pieces     int64
}

func (s *slowTask) Run() {
	for s.next.Add(1) <= s.pieces {
		time.Sleep(100 * time.Microsecond)
		s.done.Add(1)
	}
}

// TestDoDoesNotAllocate checks that Do makes no allocation per call: a
// pooled object may be made again now and then (after a collection, or
// for another P), which AllocsPerRun's average over 1000 calls rounds
// away, but one per call would not.
func TestDoDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	c := newCount(0)
	Do(c, 1)
	allocs := testing.AllocsPerRun(1000, func() {
		c.next.Store(0)
		Do(c, 1)
	})
	require.Zero(t, allocs)
}

// panicky panics in the call that claims piece 3, wherever it runs.
type panicky struct {
	next atomic.Int64
	done atomic.Int32
}

func (p *panicky) Run() {
	for i := p.next.Add(1) - 1; i < 64; i = p.next.Add(1) - 1 {
		if i == 3 {
			panic("piece 3")
		}
		time.Sleep(10 * time.Microsecond)
		p.done.Add(1)
	}
}

func TestDoReraisesAPanicOnTheCaller(t *testing.T) {
	for range 50 {
		p := &panicky{}
		require.PanicsWithValue(t, "piece 3", func() { Do(p, 3) })
		require.EqualValues(t, 63, p.done.Load(), "the other pieces still ran")
	}
	// The helpers are still usable afterwards.
	c := newCount(100)
	Do(c, 3)
	c.requireOnce(t)
}
