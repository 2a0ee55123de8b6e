package dream

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// figureGap is the margin between panels, in pixels.
const figureGap = 6

// labelFace is the font of every caption and label.
var labelFace = basicfont.Face7x13

// Figure puts panels side by side on a white background, each with its
// caption (one line of text) centred underneath: for example the original
// photo next to its dreams at layer2, layer3 and layer4. Panels keep their
// size and are aligned at the top; captions wider than their panel widen
// its column. A missing caption leaves the space blank.
func Figure(panels []image.Image, captions []string) *image.RGBA {
	lineH := labelFace.Height + figureGap
	colW := make([]int, len(panels))
	w, h := figureGap, 0
	for i, p := range panels {
		colW[i] = p.Bounds().Dx()
		if i < len(captions) {
			colW[i] = max(colW[i], textWidth(captions[i]))
		}
		w += colW[i] + figureGap
		h = max(h, p.Bounds().Dy())
	}
	out := image.NewRGBA(image.Rect(0, 0, w, figureGap+h+lineH))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	x := figureGap
	for i, p := range panels {
		b := p.Bounds()
		px := x + (colW[i]-b.Dx())/2
		draw.Draw(out, image.Rect(px, figureGap, px+b.Dx(), figureGap+b.Dy()), p, b.Min, draw.Src)
		if i < len(captions) {
			drawText(out, captions[i], x+(colW[i]-textWidth(captions[i]))/2, figureGap+h+figureGap/2, color.Black)
		}
		x += colW[i] + figureGap
	}
	return out
}

// textWidth is the width in pixels of s in labelFace.
func textWidth(s string) int { return font.MeasureString(labelFace, s).Ceil() }

// drawText writes s with its top-left corner at (x, y).
func drawText(dst draw.Image, s string, x, y int, c color.Color) {
	d := &font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: labelFace, Dot: fixed.P(x, y+labelFace.Ascent)}
	d.DrawString(s)
}

// Grid lays out tiles in rows of cols (0 or less: the smallest number of
// columns that makes the grid about square) on a white background, each
// in a cell as large as the largest tile and caption, with its caption
// centred underneath. Captions may be nil.
func Grid(tiles []image.Image, captions []string, cols int) *image.RGBA {
	if cols <= 0 {
		cols = 1
		for cols*cols < len(tiles) {
			cols++
		}
	}
	cols = max(1, min(cols, len(tiles)))
	rows := (len(tiles) + cols - 1) / cols
	cellW, cellH := 0, 0
	for i, t := range tiles {
		cellW, cellH = max(cellW, t.Bounds().Dx()), max(cellH, t.Bounds().Dy())
		if i < len(captions) {
			cellW = max(cellW, textWidth(captions[i]))
		}
	}
	lineH := 0
	if len(captions) > 0 {
		lineH = labelFace.Height + figureGap/2
	}
	out := image.NewRGBA(image.Rect(0, 0, figureGap+cols*(cellW+figureGap), figureGap+rows*(cellH+lineH+figureGap)))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	for i, t := range tiles {
		x0 := figureGap + (i%cols)*(cellW+figureGap)
		y0 := figureGap + (i/cols)*(cellH+lineH+figureGap)
		b := t.Bounds()
		px := x0 + (cellW-b.Dx())/2
		draw.Draw(out, image.Rect(px, y0, px+b.Dx(), y0+b.Dy()), t, b.Min, draw.Src)
		if i < len(captions) {
			drawText(out, captions[i], x0+(cellW-textWidth(captions[i]))/2, y0+cellH+figureGap/4, color.Black)
		}
	}
	return out
}
