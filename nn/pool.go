package nn

import (
	"fmt"
	"math"
)

// PoolConfig holds a square max-pooling window. Stride 0 means the kernel
// size, as in PyTorch.
type PoolConfig struct {
	Kernel, Stride, Pad int
	CeilMode            bool
}

// PoolOutSize returns the output length of a pooling window along one axis,
// with PyTorch's rule for ceil_mode: a last window that would start in the
// right padding is dropped.
func PoolOutSize(in, k, stride, pad int, ceil bool) int {
	span := in + 2*pad - k
	if span < 0 {
		return 0
	}
	out := span/stride + 1
	if ceil {
		out = (span+stride-1)/stride + 1
		if (out-1)*stride >= in+pad {
			out--
		}
	}
	return out
}

// MaxPool2d takes the maximum over each window, as
// torch.nn.functional.max_pool2d. Padding is -inf (never wins); among tied
// maxima the first in row-major window order wins and alone receives the
// gradient; NaN propagates.
//
//	x: [N, C, H, W]   y: [N, C, OH, OW]
func MaxPool2d(x *Tensor, cfg PoolConfig) *Tensor {
	y, _ := MaxPool2dIndices(x, cfg)
	return y
}

// MaxPool2dIndices is MaxPool2d that also returns, for each output, the flat
// index h*W + w of the winning input within its (n, c) plane.
func MaxPool2dIndices(x *Tensor, cfg PoolConfig) (*Tensor, []int32) {
	if cfg.Stride == 0 {
		cfg.Stride = cfg.Kernel
	}
	if x.Dim() != 4 || cfg.Kernel < 1 || cfg.Stride < 1 || cfg.Pad < 0 || 2*cfg.Pad > cfg.Kernel {
		panic(fmt.Sprintf("nn: MaxPool2d: input %v, config %+v (needs NCHW, kernel>=1, 0<=pad<=kernel/2)", x.Shape, cfg))
	}
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	oh := PoolOutSize(h, cfg.Kernel, cfg.Stride, cfg.Pad, cfg.CeilMode)
	ow := PoolOutSize(w, cfg.Kernel, cfg.Stride, cfg.Pad, cfg.CeilMode)
	if oh < 1 || ow < 1 {
		panic(fmt.Sprintf("nn: MaxPool2d: input %v is smaller than the %d-wide window", x.Shape, cfg.Kernel))
	}
	y := New(n, c, oh, ow)
	idx := make([]int32, len(y.Data))
	parallelFor(n*c, max(1, elementGrain/max(1, h*w)), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			maxPoolPlane(x.Data[p*h*w:(p+1)*h*w], w, h, oh, ow, cfg, y.Data[p*oh*ow:(p+1)*oh*ow], idx[p*oh*ow:(p+1)*oh*ow])
		}
	})
	record(y, "MaxPool2d", []*Tensor{x}, func(gy *Tensor, gx []*Tensor) {
		plane := oh * ow
		parallelFor(n*c, max(1, elementGrain/max(1, h*w)), func(lo, hi int) {
			for p := lo; p < hi; p++ {
				g := gx[0].Data[p*h*w : (p+1)*h*w]
				for o := p * plane; o < (p+1)*plane; o++ {
					if idx[o] >= 0 {
						g[idx[o]] += gy.Data[o]
					}
				}
			}
		})
	})
	return y, idx
}

// maxPoolPlane pools one (n, c) plane, writing outputs and winner indices.
func maxPoolPlane(xp []float32, w, h, oh, ow int, cfg PoolConfig, y []float32, idx []int32) {
	for i := 0; i < oh; i++ {
		h0 := i*cfg.Stride - cfg.Pad
		for j := 0; j < ow; j++ {
			w0 := j*cfg.Stride - cfg.Pad
			best, bi := float32(math.Inf(-1)), int32(-1)
			for u := max(h0, 0); u < min(h0+cfg.Kernel, h); u++ {
				for v := max(w0, 0); v < min(w0+cfg.Kernel, w); v++ {
					val := xp[u*w+v]
					if val > best || bi < 0 || (val != val && best == best) {
						best, bi = val, int32(u*w+v)
					}
				}
			}
			o := i*ow + j
			y[o], idx[o] = best, bi
		}
	}
}

// AdaptiveAvgPool2d averages x over an adaptive grid, as
// torch.nn.functional.adaptive_avg_pool2d: output cell (i, j) averages rows
// [floor(i*H/OH), ceil((i+1)*H/OH)) and the matching columns.
//
//	x: [N, C, H, W]   y: [N, C, OH, OW]
func AdaptiveAvgPool2d(x *Tensor, oh, ow int) *Tensor {
	if x.Dim() != 4 || oh < 1 || ow < 1 || x.Shape[2] < 1 || x.Shape[3] < 1 {
		panic(fmt.Sprintf("nn: AdaptiveAvgPool2d: input %v to %dx%d (needs NCHW with H, W >= 1)", x.Shape, oh, ow))
	}
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	y := New(n, c, oh, ow)
	for p := 0; p < n*c; p++ {
		xp := x.Data[p*h*w : (p+1)*h*w]
		for i := 0; i < oh; i++ {
			h0, h1 := i*h/oh, ((i+1)*h+oh-1)/oh
			for j := 0; j < ow; j++ {
				w0, w1 := j*w/ow, ((j+1)*w+ow-1)/ow
				var s float32
				for u := h0; u < h1; u++ {
					for _, v := range xp[u*w+w0 : u*w+w1] {
						s += v
					}
				}
				y.Data[(p*oh+i)*ow+j] = s / float32((h1-h0)*(w1-w0))
			}
		}
	}
	record(y, "AdaptiveAvgPool2d", []*Tensor{x}, func(gy *Tensor, gx []*Tensor) {
		for p := 0; p < n*c; p++ {
			g := gx[0].Data[p*h*w : (p+1)*h*w]
			for i := 0; i < oh; i++ {
				h0, h1 := i*h/oh, ((i+1)*h+oh-1)/oh
				for j := 0; j < ow; j++ {
					w0, w1 := j*w/ow, ((j+1)*w+ow-1)/ow
					v := gy.Data[(p*oh+i)*ow+j] / float32((h1-h0)*(w1-w0))
					for u := h0; u < h1; u++ {
						for k := w0; k < w1; k++ {
							g[u*w+k] += v
						}
					}
				}
			}
		}
	})
	return y
}
