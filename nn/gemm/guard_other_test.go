//go:build !linux

package gemm

import "testing"

// guardedFloats returns n float32s; only on Linux do they end at an
// unreadable page.
func guardedFloats(t *testing.T, n int) []float32 { return make([]float32, n) }
