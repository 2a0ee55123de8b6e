package cam

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/seedling-ml/seedling/nn"
)

// Plane returns image i of maps [N,H,W] (or the single map [H,W]) as a
// [H,W] tensor sharing its data.
func Plane(maps *nn.Tensor, i int) (*nn.Tensor, error) {
	n, plane, err := planes("Plane", maps)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= n {
		return nil, fmt.Errorf("cam: Plane: image %d of %d", i, n)
	}
	h, w := maps.Shape[maps.Dim()-2], maps.Shape[maps.Dim()-1]
	return nn.FromData(maps.Data[i*plane:(i+1)*plane], h, w), nil
}

// Gray turns a [H,W] map with values in [0,1] into an 8-bit grayscale
// image, pixel = round(255*v) (values outside [0,1] are clamped, NaN is
// black): the ramp [0, .25, .5, 1] becomes [0, 64, 128, 255].
func Gray(m *nn.Tensor) (*image.Gray, error) {
	if m == nil || m.Dim() != 2 {
		return nil, fmt.Errorf("cam: Gray: map of shape %v, want [H,W]", shapeOf(m))
	}
	h, w := m.Shape[0], m.Shape[1]
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Pix[y*img.Stride+x] = to8(clamp01(float64(m.Data[y*w+x])))
		}
	}
	return img, nil
}

// Heatmap colours a [H,W] map with cm.
func Heatmap(m *nn.Tensor, cm Colormap) (*image.RGBA, error) {
	if m == nil || m.Dim() != 2 {
		return nil, fmt.Errorf("cam: Heatmap: map of shape %v, want [H,W]", shapeOf(m))
	}
	if cm == nil {
		cm = Jet
	}
	h, w := m.Shape[0], m.Shape[1]
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i, v := range m.Data {
		c := cm(float64(v))
		copy(img.Pix[4*i:4*i+4], []uint8{c.R, c.G, c.B, 255})
	}
	return img, nil
}

// Overlay blends the coloured [H,W] map over img:
// out = (1-alpha)*img + alpha*colour, per pixel (alpha in [0,1]; 0.5 is
// pytorch-grad-cam's show_cam_on_image default, without its final division
// by the maximum). The map is resized bilinearly to the image's size when
// the sizes differ.
func Overlay(img image.Image, m *nn.Tensor, cm Colormap, alpha float64) (*image.RGBA, error) {
	if img == nil {
		return nil, fmt.Errorf("cam: Overlay: nil image")
	}
	if alpha < 0 || alpha > 1 || alpha != alpha {
		return nil, fmt.Errorf("cam: Overlay: alpha %v must be in [0,1]", alpha)
	}
	if m == nil || m.Dim() != 2 {
		return nil, fmt.Errorf("cam: Overlay: map of shape %v, want [H,W]", shapeOf(m))
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if m.Shape[0] != h || m.Shape[1] != w {
		up, err := Upsample(m.Reshape(1, m.Shape[0], m.Shape[1]), h, w)
		if err != nil {
			return nil, err
		}
		m = up.Reshape(h, w)
	}
	heat, err := Heatmap(m, cm)
	if err != nil {
		return nil, err
	}
	base := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(base, base.Bounds(), img, b.Min, draw.Src)
	for i := 0; i < len(base.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			v := (1-alpha)*float64(base.Pix[i+c]) + alpha*float64(heat.Pix[i+c])
			base.Pix[i+c] = uint8(min(255, v+0.5))
		}
		base.Pix[i+3] = 255
	}
	return base, nil
}

// WithColorBar returns img with a vertical colour bar of cm on its right,
// labelled 0, 0.5 and 1 (top is 1).
func WithColorBar(img image.Image, cm Colormap) *image.RGBA {
	if cm == nil {
		cm = Jet
	}
	const barW, gap, labelW = 12, 6, 28
	b := img.Bounds()
	h := b.Dy()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx()+gap+barW+labelW, h))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(out, image.Rect(0, 0, b.Dx(), h), img, b.Min, draw.Src)
	x0 := b.Dx() + gap
	for y := 0; y < h; y++ {
		v := 1.0
		if h > 1 {
			v = 1 - float64(y)/float64(h-1)
		}
		c := cm(v)
		for x := x0; x < x0+barW; x++ {
			out.SetRGBA(x, y, c)
		}
	}
	face := basicfont.Face7x13
	for _, t := range []struct {
		s string
		y int
	}{{"1", face.Ascent}, {"0.5", h/2 + face.Ascent/2}, {"0", h - 2}} {
		d := &font.Drawer{Dst: out, Src: image.Black, Face: face, Dot: fixed.P(x0+barW+3, t.y)}
		d.DrawString(t.s)
	}
	return out
}

// InputImages undoes the normalisation of an NCHW batch x (x*std + mean per
// channel) and returns one RGB picture per image, clipped to [0,1] and
// rounded: the picture the network saw, for overlays.
func InputImages(x *nn.Tensor, mean, std [3]float32) ([]*image.RGBA, error) {
	if x == nil || x.Dim() != 4 || x.Shape[1] != 3 {
		return nil, fmt.Errorf("cam: InputImages: want [N,3,H,W], got %v", shapeOf(x))
	}
	n, h, w := x.Shape[0], x.Shape[2], x.Shape[3]
	plane := h * w
	out := make([]*image.RGBA, n)
	for i := range out {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for c := 0; c < 3; c++ {
			src := x.Data[(i*3+c)*plane : (i*3+c+1)*plane]
			for p, v := range src {
				img.Pix[4*p+c] = to8(clamp01(float64(v*std[c] + mean[c])))
			}
		}
		for p := 0; p < plane; p++ {
			img.Pix[4*p+3] = 255
		}
		out[i] = img
	}
	return out, nil
}

// Caption draws text in black on a white band below img. A line wider
// than img is wrapped at spaces (a word wider than img at its last
// character that fits), so that no text is cut off.
func Caption(img image.Image, lines ...string) *image.RGBA {
	face := basicfont.Face7x13
	b := img.Bounds()
	lines = wrapLines(lines, max(1, (b.Dx()-2)/face.Advance))
	lineH := face.Height + 2
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()+len(lines)*lineH+2))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(out, image.Rect(0, 0, b.Dx(), b.Dy()), img, b.Min, draw.Src)
	for i, s := range lines {
		d := &font.Drawer{Dst: out, Src: image.NewUniform(color.Black), Face: face,
			Dot: fixed.P(2, b.Dy()+(i+1)*lineH-3)}
		d.DrawString(s)
	}
	return out
}

// Grid lays tiles out in rows of cols, with a gap of white pixels; tiles
// may differ in size (each cell is as large as the largest tile).
func Grid(tiles []image.Image, cols, gap int) (*image.RGBA, error) {
	if len(tiles) == 0 || cols < 1 || gap < 0 {
		return nil, fmt.Errorf("cam: Grid: %d tiles in %d columns (gap %d)", len(tiles), cols, gap)
	}
	cw, ch := 0, 0
	for _, t := range tiles {
		cw, ch = max(cw, t.Bounds().Dx()), max(ch, t.Bounds().Dy())
	}
	rows := (len(tiles) + cols - 1) / cols
	ncol := min(cols, len(tiles))
	out := image.NewRGBA(image.Rect(0, 0, gap+ncol*(cw+gap), gap+rows*(ch+gap)))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	for i, t := range tiles {
		x, y := gap+(i%cols)*(cw+gap), gap+(i/cols)*(ch+gap)
		r := image.Rect(x, y, x+t.Bounds().Dx(), y+t.Bounds().Dy())
		draw.Draw(out, r, t, t.Bounds().Min, draw.Src)
	}
	return out, nil
}

// wrapLines splits each line longer than width characters into lines of
// at most width, breaking at the last space that fits, or inside a word
// with no such space.
func wrapLines(lines []string, width int) []string {
	var out []string
	for _, l := range lines {
		r := []rune(l)
		for len(r) > width {
			cut := width
			for i := width; i > 0; i-- {
				if r[i] == ' ' {
					cut = i
					break
				}
			}
			out = append(out, strings.TrimRight(string(r[:cut]), " "))
			r = []rune(strings.TrimLeft(string(r[cut:]), " "))
		}
		out = append(out, string(r))
	}
	return out
}
