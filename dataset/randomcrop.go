package dataset

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
)

// RandomResizedCrop cuts a random part of the image, of Scale (default
// (0.08, 1)) times its area and aspect ratio in Ratio (default (3/4, 4/3),
// drawn log-uniformly), then resizes it to Size x Size with antialiased
// bilinear filtering: torchvision's RandomResizedCrop, with its 10 tries
// and centre-crop fallback (see RandomResizedCropParams).
type RandomResizedCrop struct {
	Size  int
	Scale [2]float64
	Ratio [2]float64
}

// Apply implements ImageTransform.
func (r RandomResizedCrop) Apply(img *image.RGBA, rng *rand.Rand) (*image.RGBA, error) {
	if r.Size <= 0 {
		return nil, fmt.Errorf("dataset: RandomResizedCrop needs Size > 0 (got %d)", r.Size)
	}
	if rng == nil {
		return nil, fmt.Errorf("dataset: RandomResizedCrop needs a random generator")
	}
	scale, ratio := r.Scale, r.Ratio
	if scale == [2]float64{} {
		scale = [2]float64{0.08, 1}
	}
	if ratio == [2]float64{} {
		ratio = [2]float64{3.0 / 4, 4.0 / 3}
	}
	if scale[0] > scale[1] || ratio[0] > ratio[1] || ratio[0] <= 0 || scale[0] < 0 {
		return nil, fmt.Errorf("dataset: RandomResizedCrop: bad scale %v or ratio %v", scale, ratio)
	}
	b := img.Bounds()
	top, left, h, w := RandomResizedCropParams(b.Dy(), b.Dx(), scale, ratio, rng)
	sr := image.Rect(b.Min.X+left, b.Min.Y+top, b.Min.X+left+w, b.Min.Y+top+h)
	return resizeRect(img, sr, r.Size, r.Size), nil
}

// RandomResizedCropParams is torchvision's RandomResizedCrop.get_params on
// an height x width image: up to 10 tries of a random area fraction in
// scale and a log-uniform aspect ratio in ratio, w = round(sqrt(area*ar)),
// h = round(sqrt(area/ar)), accepted when it fits, at a uniform random
// position. Otherwise a centre crop of the whole image clamped to the ratio
// range.
func RandomResizedCropParams(height, width int, scale, ratio [2]float64, rng *rand.Rand) (top, left, h, w int) {
	area := float64(height * width)
	logLo, logHi := math.Log(ratio[0]), math.Log(ratio[1])
	for range 10 {
		target := area * (scale[0] + (scale[1]-scale[0])*rng.Float64())
		ar := math.Exp(logLo + (logHi-logLo)*rng.Float64())
		w = int(math.RoundToEven(math.Sqrt(target * ar)))
		h = int(math.RoundToEven(math.Sqrt(target / ar)))
		if w > 0 && w <= width && h > 0 && h <= height {
			top = rng.IntN(height - h + 1)
			left = rng.IntN(width - w + 1)
			return top, left, h, w
		}
	}
	in := float64(width) / float64(height)
	switch {
	case in < ratio[0]:
		w = width
		h = int(math.RoundToEven(float64(w) / ratio[0]))
	case in > ratio[1]:
		h = height
		w = int(math.RoundToEven(float64(h) * ratio[1]))
	default:
		w, h = width, height
	}
	return (height - h) / 2, (width - w) / 2, h, w
}
