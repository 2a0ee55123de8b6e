package cam

import (
	"fmt"
	"image/color"
	"math"
	"strings"
)

// Colormap maps a value in [0,1] (clamped) to an opaque colour.
type Colormap func(v float64) color.RGBA

// Jet is the classic rainbow map of OpenCV's COLORMAP_JET and matplotlib's
// "jet" (dark blue at 0, cyan, yellow, dark red at 1), which
// pytorch-grad-cam's show_cam_on_image uses by default.
func Jet(v float64) color.RGBA {
	v = clamp01(v)
	ch := func(c float64) uint8 { return to8(clamp01(1.5 - math.Abs(4*v-c))) }
	return color.RGBA{ch(3), ch(2), ch(1), 255}
}

// Turbo is Google's Turbo map (Mikhailov 2019), a perceptually smoother
// rainbow, from its published polynomial approximation.
func Turbo(v float64) color.RGBA {
	x := clamp01(v)
	x2, x3 := x*x, x*x*x
	x4, x5 := x2*x2, x2*x3
	r := 0.13572138 + 4.61539260*x - 42.66032258*x2 + 132.13108234*x3 - 152.94239396*x4 + 59.28637943*x5
	g := 0.09140261 + 2.19418839*x + 4.84296658*x2 - 14.18503333*x3 + 4.27729857*x4 + 2.82956604*x5
	b := 0.10667330 + 12.64194608*x - 60.58204836*x2 + 110.36276771*x3 - 89.90310912*x4 + 27.34824973*x5
	return color.RGBA{to8(clamp01(r)), to8(clamp01(g)), to8(clamp01(b)), 255}
}

// ParseColormap returns the colormap named "jet" or "turbo".
func ParseColormap(name string) (Colormap, error) {
	switch strings.ToLower(name) {
	case "jet", "":
		return Jet, nil
	case "turbo":
		return Turbo, nil
	}
	return nil, fmt.Errorf("cam: unknown colormap %q (want jet or turbo)", name)
}

func clamp01(v float64) float64 {
	if v != v || v < 0 { // NaN counts as 0
		return 0
	}
	return min(v, 1)
}

// to8 maps [0,1] to 0..255 with rounding.
func to8(v float64) uint8 { return uint8(math.Round(255 * v)) }
