package train

import (
	"fmt"
	"image"
	"image/color"
	"strings"
)

// PlotConfusion draws a confusion matrix ([true][predicted]) as a labelled
// heat map: one row per true class (named on the left, with its index and
// recall), one column per predicted class (numbered at the top), each cell
// shaded by the fraction of its row and printed with its count. Diagonal
// cells are blue, errors red, so mistakes stand out.
func PlotConfusion(confusion [][]int, classes []string, title string) image.Image {
	n := len(confusion)
	const cell, gap = 34, 8
	labels := make([]string, n)
	labelW := 0
	for k := range n {
		name := fmt.Sprint(k)
		if k < len(classes) {
			name = classes[k]
		}
		support, right := 0, 0
		for p, c := range confusion[k] {
			support += c
			if p == k {
				right = c
			}
		}
		recall := "  -"
		if support > 0 {
			recall = fmt.Sprintf("%3.0f%%", 100*float64(right)/float64(support))
		}
		labels[k] = fmt.Sprintf("%s %2d %s", name, k, recall)
		labelW = max(labelW, textWidth(labels[k]))
	}
	x0 := gap + labelW + gap
	y0 := 30 + 2*face.Height + gap
	w := max(x0+n*cell+gap, gap+textWidth(title)+gap, 200)
	h := y0 + n*cell + gap + face.Height + gap
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fillRect(img, img.Bounds(), colWhite)
	drawText(img, gap, 6, title, colBlack)
	drawTextCentered(img, x0+n*cell/2, 30, "predicted class", colAxis)
	header := "true class  #  recall"
	drawText(img, x0-gap-textWidth(header), y0-face.Height-4, header, colAxis)
	for p := range n {
		drawTextCentered(img, x0+p*cell+cell/2, y0-face.Height/2-4, fmt.Sprint(p), colAxis)
	}
	for t := range n {
		y := y0 + t*cell
		drawText(img, x0-gap-textWidth(labels[t]), y+(cell-face.Height)/2, labels[t], colBlack)
		support := 0
		for _, c := range confusion[t] {
			support += c
		}
		for p := range n {
			count := 0
			if p < len(confusion[t]) {
				count = confusion[t][p]
			}
			frac := 0.0
			if support > 0 {
				frac = float64(count) / float64(support)
			}
			r := image.Rect(x0+p*cell, y, x0+(p+1)*cell, y+cell)
			bg := heat(frac, p == t)
			fillRect(img, r, bg)
			strokeRect(img, r, colGrid)
			if count > 0 {
				fg := colBlack
				if frac > 0.55 {
					fg = colWhite
				}
				drawTextCentered(img, r.Min.X+cell/2, r.Min.Y+cell/2, fmt.Sprint(count), fg)
			}
		}
	}
	total, right := 0, 0
	for t, row := range confusion {
		for p, c := range row {
			total += c
			if p == t {
				right += c
			}
		}
	}
	footer := fmt.Sprintf("%d images, %d right", total, right)
	drawText(img, gap, h-gap-face.Height, strings.TrimSpace(footer), colFooter)
	return img
}

// heat shades a cell: from white to deep blue on the diagonal, to deep red
// elsewhere, with the fraction f in [0, 1].
func heat(f float64, diagonal bool) color.RGBA {
	f = min(max(f, 0), 1)
	to := color.RGBA{8, 48, 107, 255} // matplotlib Blues' darkest
	if !diagonal {
		to = color.RGBA{165, 15, 21, 255} // Reds' darkest
	}
	mix := func(a uint8) uint8 { return uint8(255 + (float64(a)-255)*f + 0.5) }
	return color.RGBA{mix(to.R), mix(to.G), mix(to.B), 255}
}
