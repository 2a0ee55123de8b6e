package nn

import "fmt"

// ConvConfig holds the hyper-parameters of a 2-D convolution. Zero values
// mean stride 1, no padding, dilation 1 and one group.
type ConvConfig struct {
	StrideH, StrideW     int
	PadH, PadW           int
	DilationH, DilationW int
	Groups               int
}

// Conv2dOptions builds a square ConvConfig (the common case).
func Conv2dOptions(stride, pad, dilation, groups int) ConvConfig {
	return ConvConfig{stride, stride, pad, pad, dilation, dilation, groups}
}

func (c ConvConfig) normalized() ConvConfig {
	if c.StrideH == 0 {
		c.StrideH = 1
	}
	if c.StrideW == 0 {
		c.StrideW = 1
	}
	if c.DilationH == 0 {
		c.DilationH = 1
	}
	if c.DilationW == 0 {
		c.DilationW = 1
	}
	if c.Groups == 0 {
		c.Groups = 1
	}
	return c
}

// ConvOutSize returns floor((in + 2*pad - dil*(k-1) - 1)/stride) + 1, the
// output length of a convolution along one axis, or a value < 1 when the
// (padded) input is smaller than the dilated kernel.
func ConvOutSize(in, k, stride, pad, dil int) int {
	span := in + 2*pad - dil*(k-1) - 1
	if span < 0 {
		return 0
	}
	return span/stride + 1
}

// convGeom is the geometry of one conv call.
type convGeom struct {
	n, cin, h, w       int
	cout, kh, kw       int
	oh, ow             int
	cfg                ConvConfig
	cinG, coutG, colsK int // per-group input channels, output channels, rows of col (cinG*kh*kw)
}

func newConvGeom(x, w *Tensor, cfg ConvConfig) convGeom {
	cfg = cfg.normalized()
	if x.Dim() != 4 || w.Dim() != 4 {
		panic(fmt.Sprintf("nn: Conv2d: input %v and weight %v must both be 4-D (NCHW, [Cout,Cin/groups,kH,kW])", x.Shape, w.Shape))
	}
	if cfg.StrideH < 1 || cfg.StrideW < 1 || cfg.DilationH < 1 || cfg.DilationW < 1 || cfg.PadH < 0 || cfg.PadW < 0 || cfg.Groups < 1 {
		panic(fmt.Sprintf("nn: Conv2d: invalid config %+v", cfg))
	}
	g := convGeom{n: x.Shape[0], cin: x.Shape[1], h: x.Shape[2], w: x.Shape[3],
		cout: w.Shape[0], kh: w.Shape[2], kw: w.Shape[3], cfg: cfg}
	if g.cin%cfg.Groups != 0 || g.cout%cfg.Groups != 0 || w.Shape[1]*cfg.Groups != g.cin {
		panic(fmt.Sprintf("nn: Conv2d: input %v, weight %v and groups %d do not fit (weight needs [Cout, Cin/groups, kH, kW])", x.Shape, w.Shape, cfg.Groups))
	}
	g.oh = ConvOutSize(g.h, g.kh, cfg.StrideH, cfg.PadH, cfg.DilationH)
	g.ow = ConvOutSize(g.w, g.kw, cfg.StrideW, cfg.PadW, cfg.DilationW)
	if g.oh < 1 || g.ow < 1 {
		panic(fmt.Sprintf("nn: Conv2d: input %v with padding (%d,%d) is smaller than the kernel %dx%d (dilation %d,%d)", x.Shape, cfg.PadH, cfg.PadW, g.kh, g.kw, cfg.DilationH, cfg.DilationW))
	}
	g.cinG, g.coutG = g.cin/cfg.Groups, g.cout/cfg.Groups
	g.colsK = g.cinG * g.kh * g.kw
	return g
}

// Conv2d applies a 2-D cross-correlation, as torch.nn.functional.conv2d.
//
//	x: [N, Cin, H, W]   w: [Cout, Cin/groups, kH, kW]   b: [Cout] or nil
//	y: [N, Cout, OH, OW], OH = floor((H + 2*padH - dilH*(kH-1) - 1)/strideH) + 1
//
// Forward is im2col + GEMM per image and group; backward is two GEMMs
// (weight gradient, column gradient) and col2im.
func Conv2d(x, w, b *Tensor, cfg ConvConfig) *Tensor {
	g := newConvGeom(x, w, cfg)
	if b != nil && (b.Dim() != 1 || b.Shape[0] != g.cout) {
		panic(fmt.Sprintf("nn: Conv2d: bias %v does not match %d output channels", b.Shape, g.cout))
	}
	y := New(g.n, g.cout, g.oh, g.ow)
	plane := g.oh * g.ow
	if g.kh == 1 && g.kw == 1 && g.cfg.StrideH == 1 && g.cfg.StrideW == 1 && g.cfg.PadH == 0 && g.cfg.PadW == 0 {
		// 1x1 stride-1 conv: the input plane is already the column matrix.
		for n := 0; n < g.n; n++ {
			for gr := 0; gr < g.cfg.Groups; gr++ {
				xs := x.Data[(n*g.cin+gr*g.cinG)*plane:]
				ys := y.Data[(n*g.cout+gr*g.coutG)*plane:]
				gemm(false, false, g.coutG, plane, g.cinG, 1, w.Data[gr*g.coutG*g.colsK:], g.colsK, xs, plane, 0, ys, plane)
			}
		}
	} else {
		col := getScratch(g.colsK * plane)
		for n := 0; n < g.n; n++ {
			for gr := 0; gr < g.cfg.Groups; gr++ {
				im2col(x.Data[(n*g.cin+gr*g.cinG)*g.h*g.w:], g, col)
				ys := y.Data[(n*g.cout+gr*g.coutG)*plane:]
				gemm(false, false, g.coutG, plane, g.colsK, 1, w.Data[gr*g.coutG*g.colsK:], g.colsK, col, plane, 0, ys, plane)
			}
		}
		putScratch(col)
	}
	if b != nil {
		for n := 0; n < g.n; n++ {
			for o := 0; o < g.cout; o++ {
				bv := b.Data[o]
				row := y.Data[(n*g.cout+o)*plane : (n*g.cout+o+1)*plane]
				for i := range row {
					row[i] += bv
				}
			}
		}
	}
	inputs := []*Tensor{x, w, b}
	record(y, "Conv2d", inputs, func(gy *Tensor, gx []*Tensor) { conv2dBackward(x, w, g, gy, gx) })
	return y
}

func conv2dBackward(x, w *Tensor, g convGeom, gy *Tensor, grads []*Tensor) {
	gX, gW, gB := grads[0], grads[1], grads[2]
	plane := g.oh * g.ow
	if gB != nil {
		for n := 0; n < g.n; n++ {
			for o := 0; o < g.cout; o++ {
				var s float32
				for _, v := range gy.Data[(n*g.cout+o)*plane : (n*g.cout+o+1)*plane] {
					s += v
				}
				gB.Data[o] += s
			}
		}
	}
	if gX == nil && gW == nil {
		return
	}
	oneByOne := g.kh == 1 && g.kw == 1 && g.cfg.StrideH == 1 && g.cfg.StrideW == 1 && g.cfg.PadH == 0 && g.cfg.PadW == 0
	col := getScratch(g.colsK * plane)
	defer putScratch(col)
	for n := 0; n < g.n; n++ {
		for gr := 0; gr < g.cfg.Groups; gr++ {
			xs := x.Data[(n*g.cin+gr*g.cinG)*g.h*g.w:]
			gys := gy.Data[(n*g.cout+gr*g.coutG)*plane:]
			ws := w.Data[gr*g.coutG*g.colsK:]
			if gW != nil {
				// gW[coutG, colsK] += gy[coutG, plane] * col^T[plane, colsK]
				src := xs
				if !oneByOne {
					im2col(xs, g, col)
					src = col
				}
				gemm(false, true, g.coutG, g.colsK, plane, 1, gys, plane, src, plane, 1, gW.Data[gr*g.coutG*g.colsK:], g.colsK)
			}
			if gX != nil {
				gxs := gX.Data[(n*g.cin+gr*g.cinG)*g.h*g.w:]
				if oneByOne {
					gemm(true, false, g.colsK, plane, g.coutG, 1, ws, g.colsK, gys, plane, 1, gxs, plane)
					continue
				}
				// col[colsK, plane] = w^T[colsK, coutG] * gy[coutG, plane]
				gemm(true, false, g.colsK, plane, g.coutG, 1, ws, g.colsK, gys, plane, 0, col, plane)
				col2im(col, g, gxs)
			}
		}
	}
}

// im2col writes the [cinG*kh*kw, oh*ow] column matrix of one image and
// group (x points at the group's first channel); padded positions are 0.
func im2col(x []float32, g convGeom, col []float32) {
	c := g.cfg
	plane := g.oh * g.ow
	for ci := 0; ci < g.cinG; ci++ {
		xc := x[ci*g.h*g.w : (ci+1)*g.h*g.w]
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				row := col[((ci*g.kh+ki)*g.kw+kj)*plane:][:plane]
				for oi := 0; oi < g.oh; oi++ {
					ih := oi*c.StrideH - c.PadH + ki*c.DilationH
					out := row[oi*g.ow : (oi+1)*g.ow]
					if ih < 0 || ih >= g.h {
						clear(out)
						continue
					}
					xr := xc[ih*g.w : (ih+1)*g.w]
					iw := kj*c.DilationW - c.PadW
					if c.StrideW == 1 && iw >= 0 && iw+g.ow <= g.w {
						copy(out, xr[iw:iw+g.ow])
						continue
					}
					for oj := range out {
						if iw >= 0 && iw < g.w {
							out[oj] = xr[iw]
						} else {
							out[oj] = 0
						}
						iw += c.StrideW
					}
				}
			}
		}
	}
}

// col2im adds the column matrix back into the image gradient (the adjoint
// of im2col): overlapping windows accumulate.
func col2im(col []float32, g convGeom, gx []float32) {
	c := g.cfg
	plane := g.oh * g.ow
	for ci := 0; ci < g.cinG; ci++ {
		gc := gx[ci*g.h*g.w : (ci+1)*g.h*g.w]
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				row := col[((ci*g.kh+ki)*g.kw+kj)*plane:][:plane]
				for oi := 0; oi < g.oh; oi++ {
					ih := oi*c.StrideH - c.PadH + ki*c.DilationH
					if ih < 0 || ih >= g.h {
						continue
					}
					gr := gc[ih*g.w : (ih+1)*g.w]
					src := row[oi*g.ow : (oi+1)*g.ow]
					iw := kj*c.DilationW - c.PadW
					if c.StrideW == 1 && iw >= 0 && iw+g.ow <= g.w {
						axpy(gr[iw:iw+g.ow], src)
						continue
					}
					for _, v := range src {
						if iw >= 0 && iw < g.w {
							gr[iw] += v
						}
						iw += c.StrideW
					}
				}
			}
		}
	}
}
