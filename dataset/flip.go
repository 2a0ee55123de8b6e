package dataset

import (
	"image"
	"math/rand/v2"
)

// RandomHorizontalFlip mirrors the image left-right with probability P
// (0 means torchvision's default 0.5; 1 always flips).
type RandomHorizontalFlip struct{ P float64 }

// Apply implements ImageTransform. It draws one number from rng.
func (f RandomHorizontalFlip) Apply(img *image.RGBA, rng *rand.Rand) (*image.RGBA, error) {
	if drawCoin(rng, f.P) {
		return FlipHorizontal(img), nil
	}
	return img, nil
}

// RandomVerticalFlip flips the image upside down with probability P (0 means
// 0.5; 1 always flips).
type RandomVerticalFlip struct{ P float64 }

// Apply implements ImageTransform. It draws one number from rng.
func (f RandomVerticalFlip) Apply(img *image.RGBA, rng *rand.Rand) (*image.RGBA, error) {
	if drawCoin(rng, f.P) {
		return FlipVertical(img), nil
	}
	return img, nil
}

// drawCoin returns true with probability p (0.5 when p is 0). With no
// generator it always returns true when p >= 1 and false otherwise.
func drawCoin(rng *rand.Rand, p float64) bool {
	if p == 0 {
		p = 0.5
	}
	if p >= 1 {
		return true
	}
	if rng == nil {
		return false
	}
	return rng.Float64() < p
}

// FlipHorizontal returns a mirrored copy of img (column x goes to W-1-x).
func FlipHorizontal(img *image.RGBA) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		s := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
		d := out.Pix[out.PixOffset(0, y):]
		for x := 0; x < w; x++ {
			copy(d[4*(w-1-x):4*(w-x)], s[4*x:4*x+4])
		}
	}
	return out
}

// FlipVertical returns an upside-down copy of img (row y goes to H-1-y).
func FlipVertical(img *image.RGBA) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		si := img.PixOffset(b.Min.X, b.Min.Y+y)
		di := out.PixOffset(0, h-1-y)
		copy(out.Pix[di:di+4*w], img.Pix[si:si+4*w])
	}
	return out
}
