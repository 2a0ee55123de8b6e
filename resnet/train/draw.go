package train

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Drawing helpers shared by the plots: text in basicfont's 7x13 face,
// thick lines, filled rectangles.

var face = basicfont.Face7x13

// textWidth returns the width of s in pixels.
func textWidth(s string) int { return font.MeasureString(face, s).Ceil() }

// drawText draws s with its top-left corner at (x, y).
func drawText(dst draw.Image, x, y int, s string, c color.Color) {
	d := &font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y+face.Ascent)}
	d.DrawString(s)
}

// drawTextCentered draws s centred on (x, y).
func drawTextCentered(dst draw.Image, x, y int, s string, c color.Color) {
	drawText(dst, x-textWidth(s)/2, y-face.Height/2, s, c)
}

// fillRect fills r with c.
func fillRect(dst draw.Image, r image.Rectangle, c color.Color) {
	draw.Draw(dst, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// strokeRect draws the one-pixel outline of r.
func strokeRect(dst draw.Image, r image.Rectangle, c color.Color) {
	fillRect(dst, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+1), c)
	fillRect(dst, image.Rect(r.Min.X, r.Max.Y-1, r.Max.X, r.Max.Y), c)
	fillRect(dst, image.Rect(r.Min.X, r.Min.Y, r.Min.X+1, r.Max.Y), c)
	fillRect(dst, image.Rect(r.Max.X-1, r.Min.Y, r.Max.X, r.Max.Y), c)
}

// drawLine draws a line of the given width (in pixels) from p to q, with
// Bresenham's algorithm stamping a square at each point.
func drawLine(dst draw.Image, p, q image.Point, width int, c color.Color) {
	dx, dy := abs(q.X-p.X), -abs(q.Y-p.Y)
	sx, sy := sign(q.X-p.X), sign(q.Y-p.Y)
	e := dx + dy
	x, y := p.X, p.Y
	h := width / 2
	for {
		fillRect(dst, image.Rect(x-h, y-h, x-h+width, y-h+width), c)
		if x == q.X && y == q.Y {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x += sx
		}
		if e2 <= dx {
			e += dx
			y += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

// Colours of the plots.
var (
	colBlack  = color.RGBA{0, 0, 0, 255}
	colGrid   = color.RGBA{225, 225, 225, 255}
	colAxis   = color.RGBA{90, 90, 90, 255}
	colTrain  = color.RGBA{31, 119, 180, 255} // matplotlib's blue
	colVal    = color.RGBA{255, 127, 14, 255} // matplotlib's orange
	colWhite  = color.RGBA{255, 255, 255, 255}
	colFooter = color.RGBA{110, 110, 110, 255}
)
