//go:build !linux

package bench

// MaxRSSMiB returns 0: the peak resident set size is read on Linux only.
func MaxRSSMiB() float64 { return 0 }
