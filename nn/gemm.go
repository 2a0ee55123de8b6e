package nn

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	sgemm "github.com/seedling-ml/seedling/nn/gemm"
)

// gemm computes C = alpha * op(A) * op(B) + beta * C on row-major
// matrices through the installed blas32 implementation, so that a faster
// SGEMM (or OpenBLAS through gonum's netlib package, installed with
// blas32.Use) serves every matrix product of the package.
// op(A) is m x k, op(B) is k x n and C is m x n.
func gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	if k == 0 {
		// BLAS requires lda >= 1 etc. even for empty products; scale C only.
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				if beta == 0 {
					row[j] = 0
				} else {
					row[j] *= beta
				}
			}
		}
		return
	}
	blas32.Implementation().Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemmSerial is gemm on the calling goroutine, for products that already
// run one per core. With another blas32 implementation installed it calls
// that one, threads and all.
func gemmSerial(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if _, ours := blas32.Implementation().(sgemm.Implementation); ours && m > 0 && n > 0 && k > 0 {
		ta, tb := blas.NoTrans, blas.NoTrans
		if transA {
			ta = blas.Trans
		}
		if transB {
			tb = blas.Trans
		}
		sgemm.SgemmSerial(ta, tb, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gemm(transA, transB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
}
