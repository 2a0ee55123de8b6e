package bench

import (
	"runtime"
	"sync"
	"time"
)

// PeakGFLOPS measures the float32 FMA throughput of this machine, in
// GFLOP/s, with threads goroutines each running a register-only loop of
// independent FMAs of the widest vectors the CPU has (16 floats with
// AVX-512, else 8) for about half a second. It is the ceiling a
// matrix-product kernel can reach. It returns 0 where there is no probe
// (not amd64, no FMA, or the purego tag).
func PeakGFLOPS(threads int) float64 {
	if !hasFMA() || threads < 1 {
		return 0
	}
	const iters = 1 << 20 // ~2e8 flops, ~2 ms per batch on a 100 GFLOP/s core
	fmaLoop(iters)        // warm up (clock ramp)
	var best float64
	// Best of several rounds spread over about half a second: other
	// processes on a shared machine only ever make a round slower, and on a
	// virtual machine whose two vCPUs the host sometimes runs as the two
	// hyperthreads of one core (sharing its FMA units), two threads read
	// as one core for a hundred milliseconds or more at a time.
	for round := range 10 {
		if round > 0 {
			time.Sleep(25 * time.Millisecond)
		}
		batches := 0
		start := time.Now()
		for time.Since(start) < 20*time.Millisecond {
			var wg sync.WaitGroup
			for range threads {
				wg.Go(func() {
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					fmaLoop(iters)
				})
			}
			wg.Wait()
			batches++
		}
		sec := time.Since(start).Seconds()
		best = max(best, float64(batches*threads)*iters*flopsPerIter/sec/1e9)
	}
	return best
}

var (
	peakOnce sync.Once
	peak     [3]float64 // [threads] for 1 and 2 threads
)

// CachedPeakGFLOPS is PeakGFLOPS(threads) for threads in {1, 2}, measured
// once per process, so that every benchmark can report its fraction of
// peak without re-measuring. The two-thread figure is at least twice the
// one-thread one: on a shared virtual machine the two-thread probe
// sometimes reads only part of the second core (seen: 311 to 537 GFLOP/s
// in six calls a second apart, against a steady 270 on one), and a
// reference that is too low would overstate every benchmark's share.
func CachedPeakGFLOPS(threads int) float64 {
	peakOnce.Do(func() {
		peak[1] = PeakGFLOPS(1)
		peak[2] = max(PeakGFLOPS(2), 2*peak[1])
	})
	if threads < 1 || threads > 2 {
		return 0
	}
	return peak[threads]
}
