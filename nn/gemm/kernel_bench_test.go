package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkKernel runs each micro-kernel on L1-resident packed slivers
// (k = 256), the upper bound of what the blocked product can reach.
func BenchmarkKernel(b *testing.B) {
	const k, ldc = 256, 64
	r := rand.New(rand.NewPCG(1, 2))
	a, bp, c := randFloats(r, k*mr), randFloats(r, k*nr), make([]float32, mr*ldc)
	for _, kern := range kernels() {
		b.Run(kern.name, func(b *testing.B) {
			for b.Loop() {
				kern.fn(k, a, 1, mr, bp, nr, c, ldc, 1, 1)
			}
			b.ReportMetric(2*mr*nr*k*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		if kern.wide == nil {
			continue
		}
		bw := randFloats(r, maxWide*k*nr)
		cw := make([]float32, mr*maxWide*nr)
		for nv := 2; nv <= maxWide; nv++ {
			b.Run(fmt.Sprintf("%s/6x%d", kern.name, nv*nr), func(b *testing.B) {
				for b.Loop() {
					kern.wide(nv, k, a, 1, mr, bw, nr, k*nr, cw, maxWide*nr, 1, 1, mr)
				}
				b.ReportMetric(2*mr*nr*float64(nv*k*b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkPackB packs a kc x nc block of B, plain and transposed (the
// weight-gradient product of a conv reads its column matrix transposed).
func BenchmarkPackB(b *testing.B) {
	const kc, nc, ld = 256, 64, 3136
	r := rand.New(rand.NewPCG(1, 2))
	src, dst := randFloats(r, ld*ld/4), make([]float32, kc*(nc+nr))
	for _, trans := range []bool{false, true} {
		name := "notrans"
		if trans {
			name = "trans"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				packB(dst, src, ld, trans, defaultKernel.copy16, 0, 0, kc, nc)
			}
			b.ReportMetric(kc*nc*4*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}

// BenchmarkPackATrans packs a 384x256 block of a transposed A with a long
// row stride (a conv's weights read as W^T in the backward-data product).
func BenchmarkPackATrans(b *testing.B) {
	const mc, kc, lda = 384, 256, 4608
	r := rand.New(rand.NewPCG(1, 2))
	src, dst := randFloats(r, kc*lda), make([]float32, (mc+mr)*kc)
	for b.Loop() {
		packA(dst, src, lda, 0, 0, mc, kc)
	}
	b.ReportMetric(mc*kc*4*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}

// BenchmarkDot runs the dot-product edge kernels on L1-resident operands
// (k = 128, A rows 4608 floats apart as in ResNet's layer 4), per call.
func BenchmarkDot(b *testing.B) {
	const k, lda = 128, 4608
	r := rand.New(rand.NewPCG(1, 2))
	a, bt := randFloats(r, (mr-1)*lda+k), randFloats(r, maxDot*k)
	c := make([]float32, mr*64)
	for _, kern := range kernels() {
		if kern.dot == nil {
			continue
		}
		for _, e := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/e=%d", kern.name, e), func(b *testing.B) {
				for b.Loop() {
					kern.dot(e, k, a, lda, mr, bt, c, 64, 1, 1)
				}
				b.ReportMetric(2*mr*float64(e*k*b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
