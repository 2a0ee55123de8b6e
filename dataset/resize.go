package dataset

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"

	"golang.org/x/image/draw"
)

// Resize scales an image with antialiased bilinear filtering (the triangle
// filter widened when shrinking, as PIL and torchvision's antialias=True
// do; golang.org/x/image/draw.BiLinear).
//
// With Height and Width set the output is exactly Height x Width. Otherwise
// the shorter side becomes Size and the longer one int(Size*long/short),
// torchvision's Resize(int) rule. An image already of that size is returned
// as it is.
type Resize struct {
	Size          int
	Height, Width int
}

// Apply implements ImageTransform.
func (r Resize) Apply(img *image.RGBA, _ *rand.Rand) (*image.RGBA, error) {
	b := img.Bounds()
	h, w, err := r.outputSize(b.Dy(), b.Dx())
	if err != nil {
		return nil, err
	}
	if h == b.Dy() && w == b.Dx() {
		return img, nil
	}
	if h <= 0 || w <= 0 || h > DefaultMaxPixels/w {
		return nil, fmt.Errorf("dataset: Resize of a %dx%d image to %dx%d: output size out of range (at most %d pixels)",
			b.Dy(), b.Dx(), h, w, DefaultMaxPixels)
	}
	return resizeRect(img, b, w, h), nil
}

// outputSize returns the size (height, width) an h x w image resizes to.
func (r Resize) outputSize(h, w int) (int, int, error) {
	if r.Height > 0 && r.Width > 0 {
		return r.Height, r.Width, nil
	}
	if r.Size <= 0 {
		return 0, 0, fmt.Errorf("dataset: Resize needs Size > 0 or Height and Width > 0 (got %+v)", r)
	}
	return ResizeShorter(h, w, r.Size)
}

// ResizeShorter returns the output size (height, width) of torchvision's
// Resize(size) on an h x w image: the shorter side becomes size, the longer
// int(size*long/short).
func ResizeShorter(h, w, size int) (int, int, error) {
	if h <= 0 || w <= 0 || size <= 0 {
		return 0, 0, fmt.Errorf("dataset: resize %dx%d to shorter side %d: sizes must be positive", h, w, size)
	}
	if w <= h {
		return int(float64(size) * float64(h) / float64(w)), size, nil
	}
	return size, int(float64(size) * float64(w) / float64(h)), nil
}

// resizeRect scales the sr part of src to a new w x h image.
func resizeRect(src *image.RGBA, sr image.Rectangle, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(dst, dst.Bounds(), src, sr, draw.Src, nil)
	return dst
}

// CenterCrop cuts the central Height x Width part, with torchvision's
// offsets top = round((H-Height)/2), left = round((W-Width)/2) (Python's
// round, half to even). A crop larger than the image pads with black,
// (Height-H)/2 rows above and the rest below, as torchvision does.
type CenterCrop struct {
	Height, Width int
}

// Apply implements ImageTransform.
func (c CenterCrop) Apply(img *image.RGBA, _ *rand.Rand) (*image.RGBA, error) {
	if c.Height <= 0 || c.Width <= 0 {
		return nil, fmt.Errorf("dataset: CenterCrop needs a positive size (got %dx%d)", c.Height, c.Width)
	}
	b := img.Bounds()
	top, left := CenterCropOffsets(b.Dy(), b.Dx(), c.Height, c.Width)
	return Crop(img, top, left, c.Height, c.Width), nil
}

// CenterCropOffsets returns the top-left corner of torchvision's centre crop
// of size ch x cw on an h x w image. When the crop is larger than the image
// in a dimension, the offset is negative: the image is padded by (ch-h)/2
// (integer division) before it.
func CenterCropOffsets(h, w, ch, cw int) (top, left int) {
	off := func(n, c int) int {
		if c > n {
			return -((c - n) / 2)
		}
		return int(math.RoundToEven(float64(n-c) / 2))
	}
	return off(h, ch), off(w, cw)
}

// Crop returns the h x w part of img whose top-left corner is (top, left)
// relative to img's bounds; pixels outside img are opaque black.
func Crop(img *image.RGBA, top, left, h, w int) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 3; i < len(out.Pix); i += 4 {
		out.Pix[i] = 0xff
	}
	for y := 0; y < h; y++ {
		sy := top + y
		if sy < 0 || sy >= b.Dy() {
			continue
		}
		x0, x1 := max(0, -left), min(w, b.Dx()-left)
		if x0 >= x1 {
			continue
		}
		si := img.PixOffset(b.Min.X+left+x0, b.Min.Y+sy)
		di := out.PixOffset(x0, y)
		copy(out.Pix[di:di+4*(x1-x0)], img.Pix[si:si+4*(x1-x0)])
	}
	return out
}
