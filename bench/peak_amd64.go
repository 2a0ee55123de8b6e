//go:build !purego

package bench

// flopsPerIter is the work of one fmaLoop iteration: 12 FMAs of 8 floats.
const flopsPerIter = 12 * 8 * 2

// fmaLoop runs n iterations of the FMA probe (peak_amd64.s).
//
//go:noescape
func fmaLoop(n int)

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
