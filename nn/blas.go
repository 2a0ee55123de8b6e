package nn

import (
	"gonum.org/v1/gonum/blas/blas32"

	sgemm "github.com/seedling-ml/seedling/nn/gemm"
)

// The package installs Seedling's SGEMM (assembly micro-kernels with a
// pure-Go fallback, see package gemm) as gonum's blas32 implementation.
// A program may install another afterwards, for example OpenBLAS through
// gonum's netlib package: blas32.Use(netlib.Implementation{}).
func init() {
	blas32.Use(sgemm.Implementation{})
}
