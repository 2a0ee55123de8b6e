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
//
// It keeps no winner indices: the backward pass finds each window's winner
// again (the first element equal to the maximum, or the first NaN), which
// gives the same gradient as MaxPool2dIndices without an index per output.
func MaxPool2d(x *Tensor, cfg PoolConfig) *Tensor {
	if cfg.Stride == 0 {
		cfg.Stride = cfg.Kernel
	}
	n, c, h, w, oh, ow := poolGeom(x, cfg)
	y := New(n, c, oh, ow)
	grain := max(1, elementGrain/max(1, h*w))
	parallelFor(n*c, grain, func(lo, hi int) {
		rowMax := getScratch(max(ow, w))
		for p := lo; p < hi; p++ {
			maxPoolPlaneFast(x.Data[p*h*w:(p+1)*h*w], w, h, oh, ow, cfg, y.Data[p*oh*ow:(p+1)*oh*ow], rowMax)
		}
		putScratch(rowMax)
	})
	if anyTracked(x) {
		record(y, "MaxPool2d", []*Tensor{x}, func(gy *Tensor, gx []*Tensor) {
			parallelFor(n*c, grain, func(lo, hi int) {
				for p := lo; p < hi; p++ {
					maxPoolPlaneBackward(x.Data[p*h*w:(p+1)*h*w], w, h, oh, ow, cfg, y.Data[p*oh*ow:(p+1)*oh*ow], gy.Data[p*oh*ow:(p+1)*oh*ow], gx[0].Data[p*h*w:(p+1)*h*w])
				}
			})
		})
	}
	return y
}

// poolGeom checks x and cfg (stride already defaulted) and returns the
// input and output sizes.
func poolGeom(x *Tensor, cfg PoolConfig) (n, c, h, w, oh, ow int) {
	if x.Dim() != 4 || cfg.Kernel < 1 || cfg.Stride < 1 || cfg.Pad < 0 || 2*cfg.Pad > cfg.Kernel {
		panic(fmt.Sprintf("nn: MaxPool2d: input %v, config %+v (needs NCHW, kernel>=1, 0<=pad<=kernel/2)", x.Shape, cfg))
	}
	n, c, h, w = x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	oh = PoolOutSize(h, cfg.Kernel, cfg.Stride, cfg.Pad, cfg.CeilMode)
	ow = PoolOutSize(w, cfg.Kernel, cfg.Stride, cfg.Pad, cfg.CeilMode)
	if oh < 1 || ow < 1 {
		panic(fmt.Sprintf("nn: MaxPool2d: input %v is smaller than the %d-wide window", x.Shape, cfg.Kernel))
	}
	return n, c, h, w, oh, ow
}

// maxPoolPlaneFast pools one plane without indices, a window row at a
// time: rowMax[j] collects the maximum of output j's part of input row u,
// and y the maximum over the window's rows. The builtin max is branch-free
// and propagates NaN. A 3-row window (ResNet's stem) first takes the
// maximum of its rows with a vector loop into rowMax (len >= w), then
// pools that one row: a third of the scalar work.
func maxPoolPlaneFast(xp []float32, w, h, oh, ow int, cfg PoolConfig, y, rowMax []float32) {
	k, s, pad := cfg.Kernel, cfg.Stride, cfg.Pad
	if k == 3 {
		for i := 0; i < oh; i++ {
			h0 := i*s - pad
			u0, u1 := max(h0, 0), min(h0+k, h)
			r0 := xp[u0*w : (u0+1)*w]
			r1 := xp[min(u0+1, u1-1)*w:][:w]
			r2 := xp[(u1-1)*w:][:w]
			col := rowMax[:w]
			vecMax3(col, r0, r1, r2)
			poolRow(col, ow, k, s, pad, y[i*ow:(i+1)*ow])
		}
		return
	}
	rowMax = rowMax[:ow]
	// Output columns [jLo, jHi) have their whole window inside the row.
	jLo := min(ow, (pad+s-1)/s)
	jHi := jLo
	if w+pad-k >= 0 {
		jHi = max(jLo, min(ow, (w+pad-k)/s+1))
	}
	edge := func(row []float32, j int) float32 {
		v0 := j*s - pad
		lo, hi := max(v0, 0), min(v0+k, w)
		m := row[lo]
		for _, v := range row[lo+1 : hi] {
			m = max(m, v)
		}
		return m
	}
	for i := 0; i < oh; i++ {
		h0 := i*s - pad
		out := y[i*ow : (i+1)*ow]
		for u := max(h0, 0); u < min(h0+k, h); u++ {
			row := xp[u*w : (u+1)*w]
			for j := 0; j < jLo; j++ {
				rowMax[j] = edge(row, j)
			}
			if k == 3 {
				for j := jLo; j < jHi; j++ {
					v0 := j*s - pad
					rowMax[j] = max(row[v0], row[v0+1], row[v0+2])
				}
			} else {
				for j := jLo; j < jHi; j++ {
					rowMax[j] = edge(row, j)
				}
			}
			for j := jHi; j < ow; j++ {
				rowMax[j] = edge(row, j)
			}
			if u == max(h0, 0) {
				copy(out, rowMax)
				continue
			}
			for j, v := range rowMax {
				out[j] = max(out[j], v)
			}
		}
	}
}

// poolRow sets out[j] to the maximum of row over output j's window of k
// columns (stride s, padding pad), NaN if any is NaN.
func poolRow(row []float32, ow, k, s, pad int, out []float32) {
	w := len(row)
	jLo := min(ow, (pad+s-1)/s) // windows from jLo to jHi lie inside the row
	jHi := jLo
	if w+pad-k >= 0 {
		jHi = max(jLo, min(ow, (w+pad-k)/s+1))
	}
	for j := 0; j < ow; j++ {
		v0 := j*s - pad
		if j >= jLo && j < jHi && k == 3 {
			out[j] = max(row[v0], row[v0+1], row[v0+2])
			continue
		}
		lo, hi := max(v0, 0), min(v0+k, w)
		m := row[lo]
		for _, v := range row[lo+1 : hi] {
			m = max(m, v)
		}
		out[j] = m
	}
}

// maxPoolPlaneBackward adds each output's gradient to its window's winner:
// the first NaN if the maximum is NaN, else the first element equal to it
// (row-major window order), the element MaxPool2dIndices would record.
func maxPoolPlaneBackward(xp []float32, w, h, oh, ow int, cfg PoolConfig, y, gy, g []float32) {
	k, s, pad := cfg.Kernel, cfg.Stride, cfg.Pad
	for i := 0; i < oh; i++ {
		h0 := i*s - pad
		rowsInside := h0 >= 0 && h0+k <= h
		for j := 0; j < ow; j++ {
			w0 := j*s - pad
			best := y[i*ow+j]
			if k == 3 && rowsInside && w0 >= 0 && w0+k <= w && best == best {
				g[winner3x3(xp, h0*w+w0, w, best)] += gy[i*ow+j]
				continue
			}
			nan := best != best
		search:
			for u := max(h0, 0); u < min(h0+k, h); u++ {
				for v := max(w0, 0); v < min(w0+k, w); v++ {
					val := xp[u*w+v]
					if val == best || (nan && val != val) {
						g[u*w+v] += gy[i*ow+j]
						break search
					}
				}
			}
		}
	}
}

// winner3x3 returns the index in xp of the first element equal to best
// (not NaN) of the 3x3 window at base (row stride w), in row-major window
// order. It tests the elements last to first with conditional moves
// instead of stopping at the first match: the winner's place is random,
// and a data-dependent early exit mispredicted about once a window (the
// stem's pooling backward was 7% of a training step).
func winner3x3(xp []float32, base, w int, best float32) int {
	r0, r1, r2 := xp[base:base+3], xp[base+w:base+w+3], xp[base+2*w:base+2*w+3]
	idx := base + 2*w + 2
	if r2[1] == best {
		idx = base + 2*w + 1
	}
	if r2[0] == best {
		idx = base + 2*w
	}
	if r1[2] == best {
		idx = base + w + 2
	}
	if r1[1] == best {
		idx = base + w + 1
	}
	if r1[0] == best {
		idx = base + w
	}
	if r0[2] == best {
		idx = base + 2
	}
	if r0[1] == best {
		idx = base + 1
	}
	if r0[0] == best {
		idx = base
	}
	return idx
}

// MaxPool2dIndices is MaxPool2d that also returns, for each output, the flat
// index h*W + w of the winning input within its (n, c) plane.
func MaxPool2dIndices(x *Tensor, cfg PoolConfig) (*Tensor, []int32) {
	if cfg.Stride == 0 {
		cfg.Stride = cfg.Kernel
	}
	n, c, h, w, oh, ow := poolGeom(x, cfg)
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
