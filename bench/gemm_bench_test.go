package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	gonumblas "gonum.org/v1/gonum/blas/gonum"

	"github.com/seedling-ml/seedling/nn/gemm"
)

// sgemmShapes are the M x N x K products of ResNet18's convolutions as
// im2col GEMMs on a 224x224 image (weights Cout x Cin*kh*kw times columns
// Cin*kh*kw x Hout*Wout), plus the classic 1024^3.
var sgemmShapes = []struct{ m, n, k int }{
	{64, 12544, 147},   // conv1 7x7/2
	{64, 3136, 576},    // layer1 3x3
	{128, 784, 1152},   // layer2 3x3
	{128, 784, 576},    // layer2.0.conv1 3x3/2
	{128, 784, 64},     // layer2.0.downsample 1x1/2
	{256, 196, 2304},   // layer3 3x3
	{512, 49, 4608},    // layer4 3x3
	{1024, 1024, 1024}, // square reference
}

// BenchmarkSgemm runs C = A*B (row-major, no transposes, beta = 0) for each
// shape with our implementation and with gonum's native one, reporting
// GFLOP/s and the share of the measured FMA peak of the cores in use.
func BenchmarkSgemm(b *testing.B) {
	impls := []struct {
		name string
		impl blas.Float32
	}{
		{"ours", gemm.Implementation{}},
		{"gonum", gonumblas.Implementation{}},
	}
	threads := min(runtime.GOMAXPROCS(0), 2)
	peak := CachedPeakGFLOPS(threads)
	for _, im := range impls {
		for _, s := range sgemmShapes {
			b.Run(fmt.Sprintf("%s/%dx%dx%d", im.name, s.m, s.n, s.k), func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 2))
				a := randFloats(r, s.m*s.k)
				bm := randFloats(r, s.k*s.n)
				c := make([]float32, s.m*s.n)
				im.impl.Sgemm(blas.NoTrans, blas.NoTrans, s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, c, s.n)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					im.impl.Sgemm(blas.NoTrans, blas.NoTrans, s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, c, s.n)
				}
				gflops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N) / b.Elapsed().Seconds() / 1e9
				b.ReportMetric(gflops, "GFLOP/s")
				if peak > 0 {
					b.ReportMetric(100*gflops/peak, "%peak")
				}
			})
		}
	}
}

// BenchmarkPeakFMA measures the FMA ceiling on one and on two cores in
// the same run as the products, so that ratios to it are meaningful on a
// shared machine.
func BenchmarkPeakFMA(b *testing.B) {
	if !hasFMA() {
		b.Skip("no FMA probe for this CPU or build")
	}
	for _, threads := range []int{1, 2} {
		name := "1core"
		if threads == 2 {
			name = "2cores"
		}
		b.Run(name, func(b *testing.B) {
			var gflops float64
			for b.Loop() {
				gflops = PeakGFLOPS(threads)
			}
			b.ReportMetric(gflops, "GFLOP/s")
		})
	}
}

func randFloats(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.Float64()*2 - 1)
	}
	return s
}
