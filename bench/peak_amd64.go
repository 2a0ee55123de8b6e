//go:build !purego

package bench

import "github.com/seedling-ml/seedling/nn/gemm"

// fmaLoop256 runs n iterations of 12 independent 8-wide FMAs
// (peak_amd64.s).
//
//go:noescape
func fmaLoop256(n int)

// fmaLoop512 runs n iterations of 12 independent 16-wide FMAs.
//
//go:noescape
func fmaLoop512(n int)

// fmaLoop runs n iterations of the widest FMA probe this CPU has, and
// flopsPerIter is the work of one iteration. Peak means the widest
// vectors: the AVX-512 kernels of nn/gemm run where the AVX-512 probe does.
var fmaLoop, flopsPerIter = func() (func(int), float64) {
	if gemm.HasAVX512() {
		return fmaLoop512, 12 * 16 * 2
	}
	return fmaLoop256, 12 * 8 * 2
}()

// cpuid executes CPUID with the given leaf and sub-leaf.
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

// xgetbv reads XCR0.
func xgetbv() (eax, edx uint32)

// hasFMA reports whether the CPU has AVX2-era FMA3 and the OS saves the
// YMM registers, which the probe needs.
func hasFMA() bool {
	_, _, ecx1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return false
	}
	xcr0, _ := xgetbv()
	return xcr0&6 == 6
}
