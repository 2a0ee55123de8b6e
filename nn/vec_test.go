package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The vector loops against plain scalar loops, on lengths around the
// 8- and 32-float vector steps, with signed zeros, infinities and NaNs.
func TestVecLoops(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	special := []float32{0, float32(math.Copysign(0, -1)), nan, -nan, inf, -inf, 1e-40, -1e-40}
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 64, 71, 100} {
		rng := rand.New(rand.NewPCG(uint64(n), 7))
		gen := func() []float32 {
			s := make([]float32, n)
			for i := range s {
				s[i] = float32(rng.NormFloat64())
				if rng.IntN(5) == 0 {
					s[i] = special[rng.IntN(len(special))]
				}
			}
			return s
		}
		a, b, c, g := gen(), gen(), gen(), gen()
		cases := []struct {
			name string
			fast func(dst []float32)
			want func(i int, dst float32) float32
		}{
			{"relu", func(d []float32) { vecRelu(d, a) }, func(i int, _ float32) float32 {
				if a[i] != a[i] {
					return a[i]
				}
				return max(a[i], 0)
			}},
			{"add", func(d []float32) { vecAdd(d, a, b) }, func(i int, _ float32) float32 { return a[i] + b[i] }},
			{"affine", func(d []float32) { vecAffine(d, a, 1.5, -0.25, false) }, func(i int, _ float32) float32 { return a[i]*1.5 - 0.25 }},
			{"affine relu", func(d []float32) { vecAffine(d, a, -2, 0.5, true) }, func(i int, _ float32) float32 {
				v := a[i]*-2 + 0.5
				if v < 0 {
					return 0
				}
				return v
			}},
			{"axpy", func(d []float32) { vecAxpy(d, a, 0.75) }, func(i int, d float32) float32 { return d + 0.75*a[i] }},
			{"max3", func(d []float32) { vecMax3(d, a, b, c) }, func(i int, _ float32) float32 { return max(a[i], b[i], c[i]) }},
			{"relu mask", func(d []float32) { vecReluMask(d, a) }, func(i int, d float32) float32 {
				if a[i] > 0 {
					return d
				}
				return 0
			}},
			{"relu grad", func(d []float32) { vecReluGrad(d, b, a) }, func(i int, d float32) float32 {
				if a[i] > 0 {
					return d + b[i]
				}
				return d
			}},
		}
		for _, tt := range cases {
			dst := append([]float32(nil), g...)
			tt.fast(dst)
			require.Len(t, dst, n)
			for i := range dst {
				want := tt.want(i, g[i])
				if want != want {
					assert.True(t, dst[i] != dst[i], "%s n=%d [%d]: want NaN, got %v", tt.name, n, i, dst[i])
					continue
				}
				// FMA rounds once; the scalar loop may round twice.
				assert.InDelta(t, want, dst[i], 1e-6*max(1, math.Abs(float64(want))), "%s n=%d [%d]", tt.name, n, i)
			}
		}
	}
}

// MaxPool2d (fast, no indices) against MaxPool2dIndices (the naive loop):
// the same outputs and, through the recomputed winners, the same input
// gradients, on random data with many ties and some NaNs.
func TestMaxPool2dFastMatchesIndices(t *testing.T) {
	cfgs := []PoolConfig{
		{Kernel: 3, Stride: 2, Pad: 1},
		{Kernel: 2},
		{Kernel: 3, Stride: 1, Pad: 1},
		{Kernel: 3, Stride: 2, Pad: 1, CeilMode: true},
		{Kernel: 4, Stride: 3, Pad: 2, CeilMode: true},
		{Kernel: 1},
		{Kernel: 5, Stride: 2, Pad: 2},
	}
	for _, cfg := range cfgs {
		for _, hw := range [][2]int{{1, 1}, {5, 7}, {8, 8}, {13, 6}, {3, 17}, {21, 37}} {
			if hw[0]+2*cfg.Pad < cfg.Kernel || hw[1]+2*cfg.Pad < cfg.Kernel {
				continue
			}
			rng := rand.New(rand.NewPCG(uint64(hw[0]), uint64(cfg.Kernel)))
			x := New(2, 3, hw[0], hw[1])
			for i := range x.Data {
				x.Data[i] = float32(rng.IntN(4)) // ties
				if rng.IntN(40) == 0 {
					x.Data[i] = float32(math.NaN())
				}
			}
			want, idx := MaxPool2dIndices(x, cfg)
			xt := FromData(x.Data, x.Shape...).RequiresGrad()
			got := MaxPool2d(xt, cfg)
			require.Equal(t, want.Shape, got.Shape, "%+v %v", cfg, hw)
			for i := range want.Data {
				if want.Data[i] != want.Data[i] {
					assert.True(t, got.Data[i] != got.Data[i], "%+v %v y[%d] not NaN", cfg, hw, i)
				} else {
					assert.Equal(t, want.Data[i], got.Data[i], "%+v %v y[%d]", cfg, hw, i)
				}
			}
			gy := New(got.Shape...)
			for i := range gy.Data {
				gy.Data[i] = float32(i%7) + 1
			}
			got.BackwardWith(gy)
			wantG := make([]float32, len(x.Data))
			plane, inPlane := got.Shape[2]*got.Shape[3], hw[0]*hw[1]
			for o, j := range idx {
				wantG[o/plane*inPlane+int(j)] += gy.Data[o]
			}
			assert.Equal(t, wantG, xt.Grad.Data, "%+v %v gradient", cfg, hw)
		}
	}
}

// The BatchNorm reductions and update against float64 loops.
func TestVecBatchNormLoops(t *testing.T) {
	for _, n := range []int{1, 7, 8, 15, 16, 17, 100, 3136} {
		rng := rand.New(rand.NewPCG(uint64(n), 9))
		x, g, dst := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = 100 + float32(rng.NormFloat64())
			g[i] = float32(rng.NormFloat64())
			dst[i] = float32(rng.NormFloat64())
		}
		const mu = 100.25
		var s, ss, sg, sgd float64
		for i := range x {
			d := float64(x[i]) - mu
			s += d
			ss += d * d
			sg += float64(g[i])
			sgd += float64(g[i]) * d
		}
		tol := 1e-5 * float64(n)
		gotS, gotSS := vecSumDev(x, mu)
		assert.InDelta(t, s, gotS, tol, "n=%d sum", n)
		assert.InDelta(t, ss, gotSS, tol, "n=%d sum of squares", n)
		gotSG, gotSGD := vecDotDev(g, x, mu)
		assert.InDelta(t, sg, gotSG, tol, "n=%d sum g", n)
		assert.InDelta(t, sgd, gotSGD, tol, "n=%d sum g*(x-mu)", n)
		want := make([]float64, n)
		for i := range dst {
			want[i] = float64(dst[i]) + 0.5*float64(g[i]) - 0.25*float64(x[i]) + 3
		}
		vecAxpby(dst, g, x, 0.5, -0.25, 3)
		for i := range dst {
			require.InDelta(t, want[i], float64(dst[i]), 1e-4, "n=%d axpby[%d]", n, i)
		}
	}
}

// Training-mode BatchNorm on values with a large common offset: the
// shifted two-pass statistics keep the normalised output exact to float32
// precision, as a float64 computation gives it.
func TestBatchNormLargeOffset(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := New(4, 2, 9, 7)
	for i := range x.Data {
		x.Data[i] = 1e4 + float32(rng.NormFloat64())
	}
	y := BatchNorm2d(x, nil, nil, nil, nil, BatchNormConfig{Training: true, Eps: 1e-5})
	plane := 9 * 7
	for ch := 0; ch < 2; ch++ {
		var s, ss float64
		for i := 0; i < 4; i++ {
			for _, v := range x.Data[(i*2+ch)*plane : (i*2+ch+1)*plane] {
				s += float64(v)
			}
		}
		mu := s / float64(4*plane)
		for i := 0; i < 4; i++ {
			for _, v := range x.Data[(i*2+ch)*plane : (i*2+ch+1)*plane] {
				ss += (float64(v) - mu) * (float64(v) - mu)
			}
		}
		inv := 1 / math.Sqrt(ss/float64(4*plane)+1e-5)
		for i := 0; i < 4; i++ {
			for j, v := range x.Data[(i*2+ch)*plane : (i*2+ch+1)*plane] {
				want := (float64(v) - mu) * inv
				require.InDelta(t, want, float64(y.Data[(i*2+ch)*plane+j]), 2e-3, "ch %d", ch)
			}
		}
	}
}

// TestVecEvens checks the stride-2 gather bit for bit (NaNs included),
// for every length around the 8-float vector width and for sources of the
// minimum length 2n-1 and longer, without touching dst beyond n.
func TestVecEvens(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n <= 70; n++ {
		for _, extra := range []int{-1, 0, 1, 9} {
			if n == 0 && extra < 0 {
				continue
			}
			src := make([]float32, 2*n+extra)
			for i := range src {
				src[i] = math.Float32frombits(rng.Uint32())
			}
			dst := make([]float32, n+1)
			dst[n] = 42
			vecEvens(dst[:n], src)
			for i := 0; i < n; i++ {
				require.Equal(t, math.Float32bits(src[2*i]), math.Float32bits(dst[i]), "n=%d extra=%d [%d]", n, extra, i)
			}
			require.Equal(t, float32(42), dst[n], "n=%d: wrote past dst", n)
		}
	}
}
