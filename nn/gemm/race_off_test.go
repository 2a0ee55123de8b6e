//go:build !race

package gemm

// raceEnabled is true under the race detector, whose sync.Pool drops
// items at random: tests that count allocations skip then.
const raceEnabled = false
