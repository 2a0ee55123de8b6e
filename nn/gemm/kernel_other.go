//go:build !amd64 || purego

package gemm

// kernels lists the micro-kernels available without assembly.
func kernels() []kernel {
	return []kernel{{name: "generic", fn: genericKernel, wide: genericWide, narrow: genericNarrow, dot: genericDot, copy16: genericCopy16}}
}

// HasAVX2FMA reports whether this CPU and OS run the AVX2+FMA assembly;
// never in this build.
func HasAVX2FMA() bool { return false }

// HasAVX512 reports whether this CPU and OS run the AVX-512 assembly;
// never in this build.
func HasAVX512() bool { return false }
