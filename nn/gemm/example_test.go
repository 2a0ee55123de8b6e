package gemm_test

import (
	"fmt"

	"gonum.org/v1/gonum/blas"

	"github.com/seedling-ml/seedling/nn/gemm"
)

func ExampleImplementation_Sgemm() {
	a := []float32{ // 2x3
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{ // 3x2
		7, 8,
		9, 10,
		11, 12,
	}
	c := make([]float32, 4)
	gemm.Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	fmt.Println(c)
	// Output: [58 64 139 154]
}
