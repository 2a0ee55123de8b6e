package dataset

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
)

// ColorJitter changes brightness, contrast, saturation and hue by random
// factors, in a random order, as torchvision's ColorJitter does on PIL
// images. Brightness b draws a factor in [max(0,1-b), 1+b] and blends with
// black; Contrast blends with the mean gray level; Saturation blends with
// the gray image; Hue (at most 0.5) shifts the 8-bit HSV hue by a fraction
// in [-Hue, Hue] of a turn. A zero field leaves that property alone.
type ColorJitter struct {
	Brightness, Contrast, Saturation, Hue float64
}

// Apply implements ImageTransform.
func (c ColorJitter) Apply(img *image.RGBA, rng *rand.Rand) (*image.RGBA, error) {
	for _, v := range []float64{c.Brightness, c.Contrast, c.Saturation} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("dataset: ColorJitter: factors must be finite and >= 0 (got %+v)", c)
		}
	}
	if !(c.Hue >= 0 && c.Hue <= 0.5) {
		return nil, fmt.Errorf("dataset: ColorJitter: Hue %v is not in [0, 0.5]", c.Hue)
	}
	if c == (ColorJitter{}) {
		return img, nil
	}
	if rng == nil {
		return nil, fmt.Errorf("dataset: ColorJitter needs a random generator")
	}
	order := rng.Perm(4)
	factor := func(v float64) float64 { return max(0, 1-v) + (1+v-max(0, 1-v))*rng.Float64() }
	var fb, fc, fs, fh float64
	if c.Brightness > 0 {
		fb = factor(c.Brightness)
	}
	if c.Contrast > 0 {
		fc = factor(c.Contrast)
	}
	if c.Saturation > 0 {
		fs = factor(c.Saturation)
	}
	if c.Hue > 0 {
		fh = -c.Hue + 2*c.Hue*rng.Float64()
	}
	out := img
	for _, op := range order {
		switch {
		case op == 0 && c.Brightness > 0:
			out = AdjustBrightness(out, fb)
		case op == 1 && c.Contrast > 0:
			out = AdjustContrast(out, fc)
		case op == 2 && c.Saturation > 0:
			out = AdjustSaturation(out, fs)
		case op == 3 && c.Hue > 0:
			out = AdjustHue(out, fh)
		}
	}
	return out, nil
}

// blend returns clip(trunc(a + f*(b-a))) per channel, as PIL's Image.blend.
func blend(a, b uint8, f float64) uint8 {
	v := float32(float64(a) + f*(float64(b)-float64(a)))
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v)
}

// luma is PIL's RGB to L conversion (ITU-R 601-2, rounded).
func luma(r, g, b uint8) uint8 {
	return uint8((uint32(r)*19595 + uint32(g)*38470 + uint32(b)*7471 + 0x8000) >> 16)
}

// mapPixels returns a new image with f applied to every pixel.
func mapPixels(img *image.RGBA, f func(r, g, b uint8) (uint8, uint8, uint8)) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		s := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
		d := out.Pix[out.PixOffset(0, y):]
		for x := 0; x < w; x++ {
			d[4*x], d[4*x+1], d[4*x+2] = f(s[4*x], s[4*x+1], s[4*x+2])
			d[4*x+3] = 0xff
		}
	}
	return out
}

// AdjustBrightness blends img with black: factor 0 gives black, 1 the
// original, 2 doubles every value (clipped).
func AdjustBrightness(img *image.RGBA, factor float64) *image.RGBA {
	return mapPixels(img, func(r, g, b uint8) (uint8, uint8, uint8) {
		return blend(0, r, factor), blend(0, g, factor), blend(0, b, factor)
	})
}

// AdjustContrast blends img with a gray image at its mean luma (rounded):
// factor 0 gives that flat gray, 1 the original.
func AdjustContrast(img *image.RGBA, factor float64) *image.RGBA {
	b := img.Bounds()
	var sum float64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		s := img.Pix[img.PixOffset(b.Min.X, y):]
		for x := 0; x < b.Dx(); x++ {
			sum += float64(luma(s[4*x], s[4*x+1], s[4*x+2]))
		}
	}
	mean := uint8(0)
	if n := b.Dx() * b.Dy(); n > 0 {
		mean = uint8(int(sum/float64(n) + 0.5))
	}
	return mapPixels(img, func(r, g, bl uint8) (uint8, uint8, uint8) {
		return blend(mean, r, factor), blend(mean, g, factor), blend(mean, bl, factor)
	})
}

// AdjustSaturation blends img with its gray version: factor 0 gives gray,
// 1 the original.
func AdjustSaturation(img *image.RGBA, factor float64) *image.RGBA {
	return mapPixels(img, func(r, g, b uint8) (uint8, uint8, uint8) {
		l := luma(r, g, b)
		return blend(l, r, factor), blend(l, g, factor), blend(l, b, factor)
	})
}

// AdjustHue shifts the hue by shift turns (in [-0.5, 0.5]) in PIL's 8-bit
// HSV space, as torchvision's adjust_hue does on PIL images: the hue byte
// gets uint8(shift*255) added modulo 256.
func AdjustHue(img *image.RGBA, shift float64) *image.RGBA {
	delta := uint8(int8(int(shift * 255))) // numpy: np.uint8(hue_factor * 255)
	return mapPixels(img, func(r, g, b uint8) (uint8, uint8, uint8) {
		h, s, v := rgbToHSV(r, g, b)
		return hsvToRGB(h+delta, s, v)
	})
}

// rgbToHSV is PIL's 8-bit RGB to HSV conversion.
func rgbToHSV(r, g, b uint8) (uint8, uint8, uint8) {
	maxc, minc := max(r, g, b), min(r, g, b)
	if maxc == minc {
		return 0, 0, maxc
	}
	cr := float32(maxc - minc)
	s := cr / float32(maxc)
	rc := float32(maxc-r) / cr
	gc := float32(maxc-g) / cr
	bc := float32(maxc-b) / cr
	var h float32
	switch {
	case r == maxc:
		h = bc - gc
	case g == maxc:
		h = 2 + rc - bc
	default:
		h = 4 + gc - rc
	}
	hf := math.Mod(float64(h)/6+1, 1)
	return clip8(int(hf * 255)), clip8(int(float64(s) * 255)), maxc
}

// hsvToRGB is PIL's 8-bit HSV to RGB conversion.
func hsvToRGB(h, s, v uint8) (uint8, uint8, uint8) {
	if s == 0 {
		return v, v, v
	}
	fs := float32(s) / 255
	hh := float32(h) * 6 / 255
	i := int(math.Floor(float64(hh)))
	f := hh - float32(i)
	fv := float32(v)
	p := clip8(int(math.Round(float64(fv * (1 - fs)))))
	q := clip8(int(math.Round(float64(fv * (1 - fs*f)))))
	t := clip8(int(math.Round(float64(fv * (1 - fs*(1-f))))))
	switch i % 6 {
	case 0:
		return v, t, p
	case 1:
		return q, v, p
	case 2:
		return p, v, t
	case 3:
		return p, q, v
	case 4:
		return t, p, v
	default:
		return v, p, q
	}
}

func clip8(v int) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}
