package dream

import (
	"math"

	"github.com/seedling-ml/seedling/nn"
)

// Size is a height and a width in pixels.
type Size struct{ H, W int }

// OctaveSizes returns the sizes of an image pyramid of n octaves, largest
// (h x w) first: octave i is round(h / scale^i) x round(w / scale^i), at
// least 1x1. The sizes are computed once; going back up, the detail is
// resized to exactly these sizes (never multiplied by scale, which would
// drift by a pixel on odd sizes).
func OctaveSizes(h, w, n int, scale float64) []Size {
	sizes := make([]Size, n)
	for i := range sizes {
		f := math.Pow(scale, float64(i))
		sizes[i] = Size{max(1, int(math.Round(float64(h)/f))), max(1, int(math.Round(float64(w)/f)))}
	}
	return sizes
}

// pyramid returns x resized to each size, x itself first (not a copy):
// each octave is resized from the previous one, as the classic algorithm
// does.
func pyramid(x *nn.Tensor, sizes []Size) []*nn.Tensor {
	out := make([]*nn.Tensor, len(sizes))
	out[0] = x
	for i := 1; i < len(sizes); i++ {
		out[i] = nn.ResizeBilinear(out[i-1], sizes[i].H, sizes[i].W)
	}
	return out
}
