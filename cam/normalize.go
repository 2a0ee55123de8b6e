package cam

import (
	"fmt"
	"math"

	"github.com/seedling-ml/seedling/nn"
)

// MinRange is the smallest max-min of a map that Normalize stretches to
// [0,1]; a flatter map (constant, or all zero after a ReLU) becomes all
// zeros instead of dividing by (nearly) zero.
const MinRange = 1e-7

// Normalize returns a copy of maps [N,H,W] (or [H,W]) with each image
// min-max normalised on its own: (u - min)/(max - min), or all zeros when
// max - min < MinRange. A non-finite value is an error naming the image.
func Normalize(maps *nn.Tensor) (*nn.Tensor, error) {
	n, plane, err := planes("Normalize", maps)
	if err != nil {
		return nil, err
	}
	out := nn.New(maps.Shape...)
	for i := 0; i < n; i++ {
		src := maps.Data[i*plane : (i+1)*plane]
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for j, v := range src {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("cam: Normalize: image %d has a non-finite value %v at %d", i, v, j)
			}
			lo = min(lo, v)
			hi = max(hi, v)
		}
		if plane == 0 || hi-lo < MinRange {
			continue // all zeros
		}
		dst := out.Data[i*plane : (i+1)*plane]
		r := hi - lo
		for j, v := range src {
			dst[j] = (v - lo) / r
		}
	}
	return out, nil
}

// planes checks that t is [N,H,W] or [H,W] and returns N and H*W.
func planes(op string, t *nn.Tensor) (n, plane int, err error) {
	switch {
	case t == nil:
		return 0, 0, fmt.Errorf("cam: %s: nil map", op)
	case t.Dim() == 3:
		return t.Shape[0], t.Shape[1] * t.Shape[2], nil
	case t.Dim() == 2:
		return 1, t.Shape[0] * t.Shape[1], nil
	}
	return 0, 0, fmt.Errorf("cam: %s: map of shape %v, want [N,H,W] or [H,W]", op, t.Shape)
}

// Upsample resizes maps [N,h,w] to [N,H,W] with bilinear interpolation,
// align_corners=false (F.interpolate(mode="bilinear") without
// antialiasing), as the reference Grad-CAM does before normalising.
func Upsample(maps *nn.Tensor, h, w int) (*nn.Tensor, error) {
	if maps == nil || maps.Dim() != 3 {
		var s []int
		if maps != nil {
			s = maps.Shape
		}
		return nil, fmt.Errorf("cam: Upsample: maps of shape %v, want [N,h,w]", s)
	}
	if h < 1 || w < 1 || maps.Shape[1] < 1 || maps.Shape[2] < 1 {
		return nil, fmt.Errorf("cam: Upsample: %v to %dx%d: sizes must be positive", maps.Shape, h, w)
	}
	n := maps.Shape[0]
	if n == 0 {
		return nn.New(0, h, w), nil
	}
	x := maps.Detach().Reshape(n, 1, maps.Shape[1], maps.Shape[2])
	y := nn.ResizeBilinear(x, h, w)
	return y.Reshape(n, h, w).Detach(), nil
}

// finish upsamples raw [N,h,w] to h x w and normalises each image.
func finish(raw *nn.Tensor, h, w int) (*nn.Tensor, error) {
	up := raw
	if raw.Shape[1] != h || raw.Shape[2] != w {
		var err error
		if up, err = Upsample(raw, h, w); err != nil {
			return nil, err
		}
	}
	return Normalize(up)
}

// resizeAlignCorners resizes one plane src (sh x sw) to dst (dh x dw) with
// bilinear interpolation and align_corners=true, as torch's
// UpsamplingBilinear2d that pytorch-grad-cam's ScoreCAM uses for its masks.
func resizeAlignCorners(src []float32, sh, sw int, dst []float32, dh, dw int) {
	ys, xs := cornerTaps(sh, dh), cornerTaps(sw, dw)
	for i, ty := range ys {
		r0, r1 := src[ty.i0*sw:(ty.i0+1)*sw], src[ty.i1*sw:(ty.i1+1)*sw]
		row := dst[i*dw : (i+1)*dw]
		for j, tx := range xs {
			top := tx.l0*r0[tx.i0] + tx.l1*r0[tx.i1]
			bot := tx.l0*r1[tx.i0] + tx.l1*r1[tx.i1]
			row[j] = ty.l0*top + ty.l1*bot
		}
	}
}

type cornerTap struct {
	i0, i1 int
	l0, l1 float32
}

// cornerTaps gives align_corners=true taps: src = i*(in-1)/(out-1).
func cornerTaps(in, out int) []cornerTap {
	taps := make([]cornerTap, out)
	var scale float32
	if out > 1 {
		scale = float32(in-1) / float32(out-1)
	}
	for i := range taps {
		src := float32(i) * scale
		i0 := min(int(src), in-1)
		i1 := min(i0+1, in-1)
		l1 := src - float32(i0)
		taps[i] = cornerTap{i0, i1, 1 - l1, l1}
	}
	return taps
}
