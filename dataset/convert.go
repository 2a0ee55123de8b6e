package dataset

import (
	"image"
	"image/color"
)

// ToRGB converts any image to an opaque 8-bit *image.RGBA whose bounds start
// at (0,0). Colour values are the straight (non-premultiplied) ones: alpha
// is dropped, not composited and not multiplied in, so a fully transparent
// NRGBA pixel (10,20,30,0) stays (10,20,30). Gray v becomes (v,v,v); palette
// indices map to the palette's RGB (transparency ignored); 16-bit samples
// become v>>8; CMYK and YCbCr use Go's standard conversions.
//
// *image.NRGBA, *image.RGBA, *image.YCbCr, *image.NYCbCrA, *image.Gray,
// *image.Paletted, *image.CMYK, *image.Gray16 and *image.NRGBA64 have fast paths; any other
// image goes through its colours' straight values (color.NRGBA64Model
// for colour types that only offer premultiplied ones).
func ToRGB(src image.Image) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	var lut *[256][3]uint8
	if p, ok := src.(*image.Paletted); ok {
		lut = paletteRGB(p.Palette)
	}
	for y := 0; y < h; y++ {
		row := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		convertRow(row, src, lut, b.Min.X, b.Min.Y+y, w)
	}
	return dst
}

// convertRow writes w opaque RGBA pixels of src's row y, starting at x0.
// lut holds the palette's RGB when src is *image.Paletted.
func convertRow(row []byte, src image.Image, lut *[256][3]uint8, x0, y, w int) {
	switch m := src.(type) {
	case *image.NRGBA:
		s := m.Pix[m.PixOffset(x0, y):]
		for x := 0; x < w; x++ {
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = s[4*x], s[4*x+1], s[4*x+2], 0xff
		}
	case *image.RGBA:
		s := m.Pix[m.PixOffset(x0, y):]
		for x := 0; x < w; x++ {
			r, g, bl, a := s[4*x], s[4*x+1], s[4*x+2], s[4*x+3]
			if a != 0xff {
				r, g, bl = unpremultiply(r, a), unpremultiply(g, a), unpremultiply(bl, a)
			}
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = r, g, bl, 0xff
		}
	case *image.Gray:
		s := m.Pix[m.PixOffset(x0, y):]
		for x := 0; x < w; x++ {
			v := s[x]
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = v, v, v, 0xff
		}
	case *image.Gray16:
		s := m.Pix[m.PixOffset(x0, y):]
		for x := 0; x < w; x++ {
			v := s[2*x] // big-endian: the high byte is v>>8
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = v, v, v, 0xff
		}
	case *image.NRGBA64:
		s := m.Pix[m.PixOffset(x0, y):]
		for x := 0; x < w; x++ {
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = s[8*x], s[8*x+2], s[8*x+4], 0xff
		}
	case *image.YCbCr:
		for x := 0; x < w; x++ {
			yi := m.YOffset(x0+x, y)
			ci := m.COffset(x0+x, y)
			r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = r, g, bl, 0xff
		}
	case *image.NYCbCrA: // lossy WebP with alpha: the colour planes, alpha dropped
		for x := 0; x < w; x++ {
			yi := m.YOffset(x0+x, y)
			ci := m.COffset(x0+x, y)
			r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = r, g, bl, 0xff
		}
	case *image.CMYK:
		s := m.Pix[m.PixOffset(x0, y):]
		for x := 0; x < w; x++ {
			r, g, bl := color.CMYKToRGB(s[4*x], s[4*x+1], s[4*x+2], s[4*x+3])
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = r, g, bl, 0xff
		}
	case *image.Paletted:
		s := m.Pix[m.PixOffset(x0, y):]
		for x := 0; x < w; x++ {
			c := lut[s[x]]
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = c[0], c[1], c[2], 0xff
		}
	default:
		for x := 0; x < w; x++ {
			r, g, bl := straightRGB(src.At(x0+x, y))
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = r, g, bl, 0xff
		}
	}
}

// straightRGB returns a colour's straight 8-bit RGB. Colours already in a
// straight form keep their values even when transparent; others go
// through color.NRGBA64Model (which can only recover what the
// premultiplied RGBA() method kept).
func straightRGB(c color.Color) (r, g, b uint8) {
	switch c := c.(type) {
	case color.NRGBA:
		return c.R, c.G, c.B
	case color.NRGBA64:
		return uint8(c.R >> 8), uint8(c.G >> 8), uint8(c.B >> 8)
	case color.NYCbCrA:
		return color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
	}
	n := color.NRGBA64Model.Convert(c).(color.NRGBA64)
	return uint8(n.R >> 8), uint8(n.G >> 8), uint8(n.B >> 8)
}

// unpremultiply turns a premultiplied 8-bit channel back into its straight
// value, as color.NRGBAModel does (0 when alpha is 0).
func unpremultiply(c, a uint8) uint8 {
	if a == 0 {
		return 0
	}
	v := uint32(c) * 0x101 * 0xffff / (uint32(a) * 0x101)
	return uint8(v >> 8)
}

// paletteRGB returns the straight RGB of every palette entry; indices past
// the palette's end (invalid files) map to black.
func paletteRGB(p color.Palette) *[256][3]uint8 {
	var lut [256][3]uint8
	for i, c := range p {
		if i >= 256 {
			break
		}
		r, g, b := straightRGB(c)
		lut[i] = [3]uint8{r, g, b}
	}
	return &lut
}
