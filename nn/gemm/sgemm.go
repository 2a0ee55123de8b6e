package gemm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation is gonum's native BLAS with a fast Sgemm. It satisfies
// blas.Float32, so blas32.Use(gemm.Implementation{}) routes every float32
// matrix product of a program (and of gonum's mat-free blas32 helpers)
// through it; all other routines are gonum's.
type Implementation struct {
	gonum.Implementation
}

var _ blas.Float32 = Implementation{}

// The panic messages are gonum's, so that callers see the same failures
// whichever implementation is installed.
const (
	badTranspose = "blas: illegal transpose"
	mLT0         = "blas: m < 0"
	nLT0         = "blas: n < 0"
	kLT0         = "blas: k < 0"
	badLdA       = "blas: bad leading dimension of A"
	badLdB       = "blas: bad leading dimension of B"
	badLdC       = "blas: bad leading dimension of C"
	shortA       = "blas: insufficient length of a"
	shortB       = "blas: insufficient length of b"
	shortC       = "blas: insufficient length of c"
)

// Sgemm computes
//
//	C = alpha * op(A) * op(B) + beta * C
//
// on row-major matrices, where op(X) is X or Xᵀ as tA and tB say
// (ConjTrans means Trans), op(A) is m×k, op(B) is k×n and C is m×n. It
// checks its arguments as gonum's Sgemm does and panics with the same
// messages. When beta == 0, C is not read (it may hold NaN); when
// alpha == 0 or k == 0, A and B are not read.
//
// The product runs on a cache-blocked, packed algorithm with AVX-512 or
// AVX2+FMA assembly micro-kernels where the CPU has them, on up to
// GOMAXPROCS goroutines for large enough problems.
func (Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(defaultKernel, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmSerial is Implementation.Sgemm computed on the calling goroutine
// alone, for callers that run many independent products side by side on
// their own goroutines (a convolution tile per core, say) and would only
// lose to a second level of threads.
func SgemmSerial(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	aTrans, bTrans := checkArgs(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	p := problem{
		kern: defaultKernel, aTrans: aTrans, bTrans: bTrans,
		m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc,
	}
	ws := workspacePool.Get().(*workspace)
	ws.run(&p)
	workspacePool.Put(ws)
}

// defaultKernel is the fastest micro-kernel this CPU runs.
var defaultKernel = kernels()[0]

// sgemm is Sgemm with the micro-kernel as a parameter, so tests can run
// every kernel.
func sgemm(kern kernel, tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	aTrans, bTrans := checkArgs(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	compute(&problem{
		kern: kern, aTrans: aTrans, bTrans: bTrans,
		m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc,
	})
}

// checkArgs panics, in gonum's order and with its messages, on bad
// arguments, and reports whether A and B are transposed.
func checkArgs(tA, tB blas.Transpose, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) (aTrans, bTrans bool) {
	if tA != blas.NoTrans && tA != blas.Trans && tA != blas.ConjTrans {
		panic(badTranspose)
	}
	if tB != blas.NoTrans && tB != blas.Trans && tB != blas.ConjTrans {
		panic(badTranspose)
	}
	if m < 0 {
		panic(mLT0)
	}
	if n < 0 {
		panic(nLT0)
	}
	if k < 0 {
		panic(kLT0)
	}
	aTrans = tA != blas.NoTrans
	bTrans = tB != blas.NoTrans
	if (aTrans && lda < max(1, m)) || (!aTrans && lda < max(1, k)) {
		panic(badLdA)
	}
	if (bTrans && ldb < max(1, k)) || (!bTrans && ldb < max(1, n)) {
		panic(badLdB)
	}
	if ldc < max(1, n) {
		panic(badLdC)
	}
	if m == 0 || n == 0 {
		return aTrans, bTrans
	}
	if (aTrans && len(a) < (k-1)*lda+m) || (!aTrans && len(a) < (m-1)*lda+k) {
		panic(shortA)
	}
	if (bTrans && len(b) < (n-1)*ldb+k) || (!bTrans && len(b) < (k-1)*ldb+n) {
		panic(shortB)
	}
	if len(c) < (m-1)*ldc+n {
		panic(shortC)
	}
	return aTrans, bTrans
}

// scale sets C = beta*C, writing zeros without reading C when beta == 0.
func scale(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}
