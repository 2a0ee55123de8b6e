package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sgemm "github.com/seedling-ml/seedling/nn/gemm"
)

// naiveConv2d is the direct seven-loop convolution in float64, the
// reference for the tiled and chunked GEMM paths.
func naiveConv2d(x, w *Tensor, cfg ConvConfig) []float64 {
	g := newConvGeom(x, w, cfg)
	c := g.cfg
	y := make([]float64, g.n*g.cout*g.oh*g.ow)
	for n := 0; n < g.n; n++ {
		for o := 0; o < g.cout; o++ {
			gr := o / g.coutG
			for oi := 0; oi < g.oh; oi++ {
				for oj := 0; oj < g.ow; oj++ {
					var s float64
					for ci := 0; ci < g.cinG; ci++ {
						for ki := 0; ki < g.kh; ki++ {
							for kj := 0; kj < g.kw; kj++ {
								ih := oi*c.StrideH - c.PadH + ki*c.DilationH
								iw := oj*c.StrideW - c.PadW + kj*c.DilationW
								if ih < 0 || ih >= g.h || iw < 0 || iw >= g.w {
									continue
								}
								s += float64(x.Data[((n*g.cin+gr*g.cinG+ci)*g.h+ih)*g.w+iw]) *
									float64(w.Data[((o*g.cinG+ci)*g.kh+ki)*g.kw+kj])
							}
						}
					}
					y[((n*g.cout+o)*g.oh+oi)*g.ow+oj] = s
				}
			}
		}
	}
	return y
}

// The forward pass on shapes that take the tiled path (tiles of output
// rows, tiles of whole images, the pointwise view, groups) and the
// chunked one, against the float64 direct convolution.
func TestConv2dForwardPaths(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	tests := []struct {
		name    string
		x, w    []int
		cfg     ConvConfig
		tiled   bool
		imgTile bool
	}{
		{"row tiles 3x3 pad1", []int{3, 8, 40, 40}, []int{5, 8, 3, 3}, Conv2dOptions(1, 1, 1, 1), true, false},
		{"row tiles 3x3 stride2", []int{2, 16, 90, 86}, []int{7, 16, 3, 3}, Conv2dOptions(2, 1, 1, 1), true, false},
		{"row tiles 7x7 stride2 pad3", []int{2, 3, 61, 58}, []int{4, 3, 7, 7}, Conv2dOptions(2, 3, 1, 1), true, false},
		{"row tiles pointwise", []int{2, 600, 20, 20}, []int{3, 600, 1, 1}, ConvConfig{}, true, false},
		{"row tiles groups dilation", []int{2, 12, 50, 30}, []int{6, 4, 3, 3}, Conv2dOptions(1, 2, 2, 3), true, false},
		{"image tiles", []int{21, 64, 6, 6}, []int{9, 64, 3, 3}, Conv2dOptions(1, 1, 1, 1), true, true},
		{"image tiles 1x1 stride2", []int{80, 300, 7, 7}, []int{5, 300, 1, 1}, Conv2dOptions(2, 0, 1, 1), true, true},
		{"chunked (few tiles)", []int{1, 64, 7, 7}, []int{9, 64, 3, 3}, Conv2dOptions(1, 1, 1, 1), false, true},
		{"chunked, columns padded 196 -> 208", []int{1, 64, 14, 14}, []int{300, 64, 3, 3}, Conv2dOptions(1, 1, 1, 1), false, false},
		{"chunked, 3 images, columns padded 243 -> 272", []int{3, 8, 9, 9}, []int{200, 8, 3, 3}, Conv2dOptions(1, 1, 1, 1), false, true},
		{"same 5x5 pad2 row tiles", []int{2, 16, 33, 47}, []int{3, 16, 5, 5}, Conv2dOptions(1, 2, 1, 1), true, false},
		{"same 1x3 chunked", []int{1, 2, 5, 9}, []int{2, 2, 1, 3}, ConvConfig{PadW: 1}, false, true},
		{"same 3x1 image tiles", []int{40, 600, 4, 3}, []int{2, 600, 3, 1}, ConvConfig{PadH: 1}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tt.x[1]), uint64(tt.w[0])))
			x, w := gcRandnF32(rng, tt.x...), gcRandnF32(rng, tt.w...)
			g := newConvGeom(x, w, tt.cfg)
			_, imgsPer, count := g.tiling()
			require.Equal(t, tt.tiled, count >= 4, "tiles: %d", count)
			require.Equal(t, tt.imgTile, imgsPer > 1, "images per tile: %d", imgsPer)
			y := Conv2d(x, w, nil, tt.cfg)
			want := naiveConv2d(x, w, tt.cfg)
			require.Len(t, y.Data, len(want))
			worst := 0.0
			for i, v := range want {
				worst = max(worst, math.Abs(float64(y.Data[i])-v))
				if !assert.InDelta(t, v, float64(y.Data[i]), 1e-4*math.Sqrt(float64(g.colsK))*(1+math.Abs(v)), fmt.Sprintf("y[%d]", i)) {
					return
				}
			}
			t.Logf("largest difference %.3g", worst)
		})
	}
}

func gcRandnF32(rng *rand.Rand, shape ...int) *Tensor {
	t := New(shape...)
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}

// The tiled backward pass (per-image tasks on two cores) against the
// chunked one (taken with one core), for the input and weight gradients.
func TestConv2dBackwardTiled(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	tests := []struct {
		name string
		x, w []int
		cfg  ConvConfig
	}{
		{"row tiles 3x3 pad1", []int{4, 8, 40, 40}, []int{5, 8, 3, 3}, Conv2dOptions(1, 1, 1, 1)},
		{"row tiles 3x3 stride2", []int{5, 16, 90, 86}, []int{7, 16, 3, 3}, Conv2dOptions(2, 1, 1, 1)},
		{"7x7 stride2 pad3", []int{4, 3, 61, 58}, []int{4, 3, 7, 7}, Conv2dOptions(2, 3, 1, 1)},
		{"pointwise", []int{4, 600, 20, 20}, []int{3, 600, 1, 1}, ConvConfig{}},
		{"1x1 stride2", []int{4, 64, 56, 56}, []int{8, 64, 1, 1}, Conv2dOptions(2, 0, 1, 1)},
		{"groups dilation", []int{2, 12, 50, 30}, []int{6, 4, 3, 3}, Conv2dOptions(1, 2, 2, 3)},
		{"same 5x5 pad2", []int{4, 16, 33, 47}, []int{3, 16, 5, 5}, Conv2dOptions(1, 2, 1, 1)},
		{"same 1x3", []int{4, 2, 200, 100}, []int{2, 2, 1, 3}, ConvConfig{PadW: 1}},
	}
	grads := func(x, w, gy *Tensor, cfg ConvConfig) (gx, gw []float32) {
		xt := FromData(x.Data, x.Shape...).RequiresGrad()
		wt := NewParameter(w.Data, w.Shape...)
		Conv2d(xt, wt, nil, cfg).BackwardWith(gy)
		return xt.Grad.Data, wt.Grad.Data
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tt.x[1]), uint64(tt.w[0])))
			x, w := gcRandnF32(rng, tt.x...), gcRandnF32(rng, tt.w...)
			g := newConvGeom(x, w, tt.cfg)
			gy := gcRandnF32(rng, g.n, g.cout, g.oh, g.ow)
			_, imgsPer, _ := g.tiling()
			require.Equal(t, 1, imgsPer, "must take the tiled path")
			defer func() { weightGradMode = 0 }()
			// The reference: one core (the chunked path), plain weight
			// gradient; then the tiled path (two cores) and the chunked one
			// with either form of the weight gradient.
			runtime.GOMAXPROCS(1)
			weightGradMode = -1
			gx1, gw1 := grads(x, w, gy, tt.cfg)
			tol := 1e-4 * math.Sqrt(float64(g.n*g.oh*g.ow+g.coutG*g.kh*g.kw))
			for _, mode := range []int{-1, 1} {
				for _, procs := range []int{1, 2} {
					runtime.GOMAXPROCS(procs)
					weightGradMode = mode
					gx2, gw2 := grads(x, w, gy, tt.cfg)
					for i := range gx1 {
						if !assert.InDelta(t, gx1[i], gx2[i], tol*(1+math.Abs(float64(gx1[i]))), "gx[%d], %d cores, mode %d", i, procs, mode) {
							return
						}
					}
					for i := range gw1 {
						if !assert.InDelta(t, gw1[i], gw2[i], tol*(1+math.Abs(float64(gw1[i]))), "gw[%d], %d cores, mode %d", i, procs, mode) {
							return
						}
					}
				}
			}
		})
	}
}

// The weight gradient of the tiled backward pass does not depend on how
// the goroutines happen to be scheduled: every core sums a fixed share of
// the images and the shares are added in core order, so repeated passes
// agree bit for bit (a training run, and its resume, are reproducible).
func TestConvBackwardTiledIsDeterministic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	rng := rand.New(rand.NewPCG(8, 8))
	x := randomData(rng, 12, 16, 32, 32)
	w := randomData(rng, 16, 16, 3, 3)
	gy := randomData(rng, 12, 16, 32, 32)
	var first []float32
	for range 8 {
		wt := w.Clone().RequiresGrad()
		y := Conv2d(Track(x), wt, nil, Conv2dOptions(1, 1, 1, 1))
		y.BackwardWith(gy)
		if first == nil {
			first = wt.Grad.Data
			continue
		}
		require.Equal(t, first, wt.Grad.Data)
	}
}

// The column buffers hold colPad floats a row more than the columns, which
// must cover every padding sgemm.ColumnStride adds.
func TestColPadCoversColumnStride(t *testing.T) {
	for n := 1; n <= 1<<14; n++ {
		require.Less(t, sgemm.ColumnStride(n), n+colPad+1, "n=%d", n)
	}
}
