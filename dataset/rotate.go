package dataset

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
)

// RandomRotation turns the image about its centre by an angle drawn
// uniformly from [-Degrees, Degrees] (positive is counter-clockwise), keeps
// its size, samples with nearest neighbour and fills uncovered pixels with
// Fill (black by default): torchvision's RandomRotation(degrees) defaults.
type RandomRotation struct {
	Degrees float64
	Fill    color.RGBA
}

// Apply implements ImageTransform. It draws one number from rng.
func (r RandomRotation) Apply(img *image.RGBA, rng *rand.Rand) (*image.RGBA, error) {
	if r.Degrees < 0 || math.IsNaN(r.Degrees) || math.IsInf(r.Degrees, 0) {
		return nil, fmt.Errorf("dataset: RandomRotation: degrees %v must be finite and >= 0", r.Degrees)
	}
	if rng == nil {
		return nil, fmt.Errorf("dataset: RandomRotation needs a random generator")
	}
	angle := -r.Degrees + 2*r.Degrees*rng.Float64()
	return Rotate(img, angle, r.Fill), nil
}

// Rotate returns img turned counter-clockwise by degrees about its centre,
// same size, nearest-neighbour sampling, with fill where no source pixel
// lands. It follows PIL's Image.rotate: output pixel centre (x+0.5, y+0.5)
// reads the source at the inversely rotated position, floored.
func Rotate(img *image.RGBA, degrees float64, fill color.RGBA) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	fill.A = 0xff
	// PIL: angle = -radians(degrees); matrix = [cos, sin, -sin, cos], each
	// rounded to 15 decimals so that 90-degree turns are exact.
	t := -degrees * math.Pi / 180
	ca, sa := round15(math.Cos(t)), round15(math.Sin(t))
	cx, cy := float64(w)/2, float64(h)/2
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			px, py := float64(x)+0.5-cx, float64(y)+0.5-cy
			sx := math.Floor(ca*px + sa*py + cx)
			sy := math.Floor(-sa*px + ca*py + cy)
			d := out.PixOffset(x, y)
			if sx < 0 || sy < 0 || sx >= float64(w) || sy >= float64(h) {
				out.Pix[d], out.Pix[d+1], out.Pix[d+2], out.Pix[d+3] = fill.R, fill.G, fill.B, 0xff
				continue
			}
			s := img.PixOffset(b.Min.X+int(sx), b.Min.Y+int(sy))
			copy(out.Pix[d:d+4], img.Pix[s:s+4])
		}
	}
	return out
}

func round15(v float64) float64 {
	return math.Round(v*1e15) / 1e15
}
