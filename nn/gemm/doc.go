// Package gemm is a fast float32 matrix product (SGEMM) for gonum's BLAS
// interface, written for the im2col convolutions of package nn.
//
// Implementation embeds gonum's native BLAS and replaces its Sgemm with a
// GotoBLAS/BLIS-style one: op(A) and op(B) are packed into contiguous
// slivers where that pays (which handles both transposes and strided
// sub-matrices; rows of A, and of B when few rows of A share them, are
// read in place), blocked for the L1 and L2 caches (see block.go), and
// multiplied by register-blocked micro-kernels chosen at start-up with
// CPUID/XGETBV: AVX-512 assembly on 6x32 to 6x64 tiles where the CPU has
// it, with dot products along the depth for the last 1-4 columns of a
// block, AVX2+FMA assembly on 6x16 tiles (and for other edges), plain Go
// elsewhere or with the purego build tag. ColumnStride tells a caller
// which row stride lets the kernels read a B operand in place. Large products run on up to GOMAXPROCS
// goroutines (the caller and the helpers of nn/internal/workers); packing
// buffers are pooled, so steady-state calls do not allocate.
//
// Install it for every blas32 call of the program:
//
//	blas32.Use(gemm.Implementation{})
//
// or call it directly, on row-major matrices:
//
//	var impl gemm.Implementation
//	// C (2x2) = A (2x3) * B (3x2)
//	impl.Sgemm(blas.NoTrans, blas.NoTrans, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
package gemm
