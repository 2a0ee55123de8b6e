//go:build !amd64 || purego

package gemm

// kernels lists the micro-kernels available without assembly.
func kernels() []kernel {
	return []kernel{{name: "generic", fn: genericKernel, narrow: genericNarrow, copy16: genericCopy16}}
}
