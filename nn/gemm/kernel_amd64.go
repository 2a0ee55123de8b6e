//go:build !purego

package gemm

// kernel6x16AVX2 is the AVX2+FMA micro-kernel (kernel_amd64.s): the
// microKernel contract on raw pointers. Ap needs k*6, Bp k*16 floats and C
// six rows of 16 at stride ldc.
//
//go:noescape
func kernel6x16AVX2(k int, a, b, c *float32, ldc int, alpha, beta float32)

// cpuid executes CPUID with the given leaf and sub-leaf.
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

// xgetbv reads XCR0, the register state the OS saves on context switch.
func xgetbv() (eax, edx uint32)

// hasAVX2FMA reports whether the CPU has AVX2 and FMA3 and the OS saves the
// YMM registers, which is what the assembly kernel needs.
func hasAVX2FMA() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const (
		fma     = 1 << 12
		osxsave = 1 << 27
		avx     = 1 << 28
	)
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // SSE and AVX state enabled
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	const avx2 = 1 << 5
	return ebx7&avx2 != 0
}

// avx2Kernel wraps the assembly kernel in the microKernel signature,
// checking the slice lengths so that the assembly never runs off them.
func avx2Kernel(k int, a, b, c []float32, ldc int, alpha, beta float32) {
	_ = a[k*mr-1]
	_ = b[k*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	kernel6x16AVX2(k, &a[0], &b[0], &c[0], ldc, alpha, beta)
}

// kernels lists the micro-kernels this CPU can run, fastest first.
func kernels() []kernel {
	ks := []kernel{}
	if hasAVX2FMA() {
		ks = append(ks, kernel{name: "avx2", fn: avx2Kernel})
	}
	return append(ks, kernel{name: "generic", fn: genericKernel})
}
