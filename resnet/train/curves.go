package train

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
)

// PlotCurves draws the training curves of a run: loss per epoch on the
// left, accuracy (%) on the right, train in blue and validation in orange,
// with labelled axes and a legend. It is drawn with image/draw and
// basicfont (no plotting dependency: two panels of lines and ticks are all
// it needs). With no epochs the panels are empty.
func PlotCurves(epochs []EpochStats) image.Image {
	const w, h = 960, 400
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fillRect(img, img.Bounds(), colWhite)
	var trL, vaL, trA, vaA []float64
	for _, e := range epochs {
		trL = append(trL, e.TrainLoss)
		vaL = append(vaL, e.ValLoss)
		trA = append(trA, 100*e.TrainAccuracy)
		vaA = append(vaA, 100*e.ValAccuracy)
	}
	lo, hi := niceRange(capOutliers(append(append([]float64(nil), trL...), vaL...)), 0, math.NaN())
	panel(img, image.Rect(60, 40, w/2-20, h-60), "loss (cross-entropy)", lo, hi, trL, vaL)
	panel(img, image.Rect(w/2+60, 40, w-20, h-60), "accuracy (%)", 0, 100, trA, vaA)

	// Legend, centred at the bottom.
	lx := w/2 - 110
	ly := h - 22
	drawLine(img, image.Pt(lx, ly), image.Pt(lx+24, ly), 2, colTrain)
	drawText(img, lx+30, ly-7, "train", colBlack)
	drawLine(img, image.Pt(lx+100, ly), image.Pt(lx+124, ly), 2, colVal)
	drawText(img, lx+130, ly-7, "validation", colBlack)
	if n := len(epochs); n > 0 {
		last := epochs[n-1]
		drawText(img, 10, 8, fmt.Sprintf("epoch %d: train loss %.3f, acc %.1f%%; val loss %.3f, acc %.1f%%",
			last.Epoch, last.TrainLoss, 100*last.TrainAccuracy, last.ValLoss, 100*last.ValAccuracy), colFooter)
	}
	return img
}

// panel draws one plot: frame, grid, y ticks from lo to hi, x ticks at the
// epochs, the two series and the title above.
func panel(img *image.RGBA, r image.Rectangle, title string, lo, hi float64, train, val []float64) {
	n := max(len(train), len(val))
	drawTextCentered(img, (r.Min.X+r.Max.X)/2, r.Min.Y-12, title, colBlack)
	const yTicks = 5
	for i := 0; i <= yTicks; i++ {
		v := lo + (hi-lo)*float64(i)/yTicks
		y := r.Max.Y - int(math.Round(float64(r.Dy()-1)*float64(i)/yTicks)) - 1
		fillRect(img, image.Rect(r.Min.X, y, r.Max.X, y+1), colGrid)
		label := tickLabel(v, hi-lo)
		drawText(img, r.Min.X-6-textWidth(label), y-6, label, colAxis)
	}
	xOf := func(i int) int {
		if n <= 1 {
			return (r.Min.X + r.Max.X) / 2
		}
		return r.Min.X + 12 + (r.Dx()-24)*i/(n-1)
	}
	yOf := func(v float64) int {
		f := (v - lo) / (hi - lo)
		f = math.Max(0, math.Min(1, f))
		return r.Max.Y - 1 - int(math.Round(f*float64(r.Dy()-1)))
	}
	step := max(1, (n+9)/10) // at most about ten epoch labels
	for i := 0; i < n; i++ {
		if i%step != 0 && i != n-1 {
			continue
		}
		x := xOf(i)
		fillRect(img, image.Rect(x, r.Max.Y, x+1, r.Max.Y+4), colAxis)
		drawTextCentered(img, x, r.Max.Y+13, fmt.Sprint(i+1), colAxis)
	}
	drawTextCentered(img, (r.Min.X+r.Max.X)/2, r.Max.Y+30, "epoch", colAxis)
	strokeRect(img, r, colAxis)
	for _, s := range []struct {
		v []float64
		c color.RGBA
	}{{train, colTrain}, {val, colVal}} {
		for i, v := range s.v {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			p := image.Pt(xOf(i), yOf(v))
			if v > hi { // off the scale: drawn at the top, with its value
				drawText(img, p.X+6, p.Y, fmt.Sprintf("%.3g", v), s.c)
			}
			if i > 0 && !math.IsNaN(s.v[i-1]) && !math.IsInf(s.v[i-1], 0) {
				drawLine(img, image.Pt(xOf(i-1), yOf(s.v[i-1])), p, 2, s.c)
			}
			fillRect(img, image.Rect(p.X-3, p.Y-3, p.X+4, p.Y+4), s.c)
		}
	}
}

// capOutliers returns v with values above four times the median of its
// finite values replaced by that bound, so that one huge loss (the
// validation loss of a first epoch from scratch, with BatchNorm statistics
// not settled yet) does not flatten the rest of the curve.
func capOutliers(v []float64) []float64 {
	var finite []float64
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			finite = append(finite, x)
		}
	}
	if len(finite) < 3 {
		return v
	}
	slices.Sort(finite)
	bound := 4 * finite[len(finite)/2]
	if bound <= 0 {
		return v
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Min(x, bound)
	}
	return out
}

// niceRange returns a y range covering the finite values of v, starting at
// floor when it is a number, rounded out to a tidy step; hi is used as the
// upper end when it is a number.
func niceRange(v []float64, floor, hi float64) (float64, float64) {
	mx := math.Inf(-1)
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			mx = math.Max(mx, x)
		}
	}
	if !math.IsNaN(hi) {
		mx = hi
	}
	if math.IsInf(mx, -1) || mx <= floor {
		mx = floor + 1
	}
	span := mx - floor
	mag := math.Pow(10, math.Floor(math.Log10(span)))
	for _, m := range []float64{0.5, 1, 2, 2.5, 5, 10} {
		if step := m * mag; math.Ceil(span/step) <= 5 {
			return floor, floor + step*math.Ceil(span/step)
		}
	}
	return floor, floor + span
}

// tickLabel formats a tick value with as many decimals as the span needs.
func tickLabel(v, span float64) string {
	switch {
	case span >= 10:
		return fmt.Sprintf("%.0f", v)
	case span >= 1:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
