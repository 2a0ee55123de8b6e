package nn

import "fmt"

// ResizeBilinear resizes the spatial dimensions of x to oh x ow with
// bilinear interpolation and align_corners=false, without antialiasing
// (also when shrinking), as F.interpolate(mode="bilinear"). Per axis with
// input size I and output size O: src = max((i+0.5)*I/O - 0.5, 0),
// i0 = floor(src), i1 = min(i0+1, I-1), l1 = src - i0.
//
//	x: [N, C, H, W]   y: [N, C, oh, ow]
func ResizeBilinear(x *Tensor, oh, ow int) *Tensor {
	if x.Dim() != 4 || oh < 1 || ow < 1 || x.Shape[2] < 1 || x.Shape[3] < 1 {
		panic(fmt.Sprintf("nn: ResizeBilinear: input %v to %dx%d (needs NCHW with H, W >= 1)", x.Shape, oh, ow))
	}
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	ry, rx := linearTaps(h, oh), linearTaps(w, ow)
	y := New(n, c, oh, ow)
	for p := 0; p < n*c; p++ {
		xp := x.Data[p*h*w : (p+1)*h*w]
		yp := y.Data[p*oh*ow : (p+1)*oh*ow]
		for i, ty := range ry {
			r0, r1 := xp[ty.i0*w:(ty.i0+1)*w], xp[ty.i1*w:(ty.i1+1)*w]
			for j, tx := range rx {
				top := tx.l0*r0[tx.i0] + tx.l1*r0[tx.i1]
				bot := tx.l0*r1[tx.i0] + tx.l1*r1[tx.i1]
				yp[i*ow+j] = ty.l0*top + ty.l1*bot
			}
		}
	}
	record(y, "ResizeBilinear", []*Tensor{x}, func(gy *Tensor, gx []*Tensor) {
		for p := 0; p < n*c; p++ {
			g := gx[0].Data[p*h*w : (p+1)*h*w]
			gp := gy.Data[p*oh*ow : (p+1)*oh*ow]
			for i, ty := range ry {
				for j, tx := range rx {
					v := gp[i*ow+j]
					g[ty.i0*w+tx.i0] += ty.l0 * tx.l0 * v
					g[ty.i0*w+tx.i1] += ty.l0 * tx.l1 * v
					g[ty.i1*w+tx.i0] += ty.l1 * tx.l0 * v
					g[ty.i1*w+tx.i1] += ty.l1 * tx.l1 * v
				}
			}
		}
	})
	return y
}

type linearTap struct {
	i0, i1 int
	l0, l1 float32
}

// linearTaps gives, for each of out positions, the two source indices and
// weights of align_corners=false linear interpolation from in positions.
func linearTaps(in, out int) []linearTap {
	taps := make([]linearTap, out)
	scale := float32(in) / float32(out)
	for i := range taps {
		src := (float32(i)+0.5)*scale - 0.5
		if src < 0 {
			src = 0
		}
		i0 := int(src)
		if i0 > in-1 {
			i0 = in - 1
		}
		i1 := min(i0+1, in-1)
		l1 := src - float32(i0)
		taps[i] = linearTap{i0, i1, 1 - l1, l1}
	}
	return taps
}
