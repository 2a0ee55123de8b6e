//go:build linux

package bench

import "syscall"

// MaxRSSMiB returns the peak resident set size of this process so far, in
// MiB (ru_maxrss, as PyTorch's side of the comparison reads it), or 0 when
// it cannot be read.
func MaxRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}
