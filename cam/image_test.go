package cam

import (
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/nn"
)

func TestColormaps(t *testing.T) {
	tests := []struct {
		name string
		cm   Colormap
		v    float64
		want color.RGBA
	}{
		{"jet 0 is dark blue", Jet, 0, color.RGBA{0, 0, 128, 255}},
		{"jet .5 is green", Jet, .5, color.RGBA{128, 255, 128, 255}},
		{"jet 1 is dark red", Jet, 1, color.RGBA{128, 0, 0, 255}},
		{"jet clamps above 1", Jet, 7, color.RGBA{128, 0, 0, 255}},
		{"jet clamps below 0", Jet, -3, color.RGBA{0, 0, 128, 255}},
		{"turbo 0 is dark blue-purple", Turbo, 0, color.RGBA{35, 23, 27, 255}},
		{"turbo 1 is dark red", Turbo, 1, color.RGBA{144, 12, 0, 255}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.cm(tc.v)
			for i, pair := range [][2]uint8{{got.R, tc.want.R}, {got.G, tc.want.G}, {got.B, tc.want.B}} {
				assert.InDelta(t, pair[1], pair[0], 2, "channel %d of %v", i, got)
			}
			assert.Equal(t, uint8(255), got.A)
		})
	}
	_, err := ParseColormap("viridis")
	assert.Error(t, err)
}

func TestGrayRoundsRamp(t *testing.T) {
	g, err := Gray(nn.FromData([]float32{0, .25, .5, 1}, 2, 2))
	require.NoError(t, err)
	assert.Equal(t, []uint8{0, 64, 128, 255}, []uint8{g.Pix[0], g.Pix[1], g.Pix[g.Stride], g.Pix[g.Stride+1]})
	_, err = Gray(nn.New(1, 2, 2))
	assert.Error(t, err)
}

func TestOverlayBlends(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for i := range img.Pix {
		img.Pix[i] = 200
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	m := nn.FromData([]float32{0, 0, 1, 1, 0, 0, 1, 1}, 2, 4)
	out, err := Overlay(img, m, Jet, 0.5)
	require.NoError(t, err)
	// 0 -> (0,0,128): (200+0)/2, (200+0)/2, (200+128)/2
	assert.Equal(t, color.RGBA{100, 100, 164, 255}, out.RGBAAt(0, 0))
	assert.Equal(t, color.RGBA{164, 100, 100, 255}, out.RGBAAt(3, 1))
	// alpha 0 keeps the picture; a smaller map is resized to the picture.
	same, err := Overlay(img, nn.New(1, 2), Turbo, 0)
	require.NoError(t, err)
	assert.Equal(t, img.Pix, same.Pix)
	_, err = Overlay(img, m, Jet, 1.5)
	assert.Error(t, err)

	bar := WithColorBar(out, Jet)
	assert.Greater(t, bar.Bounds().Dx(), out.Bounds().Dx())
	assert.Equal(t, out.RGBAAt(0, 0), bar.RGBAAt(0, 0))
}

func TestInputImagesUndoNormalisation(t *testing.T) {
	mean, std := [3]float32{.5, .4, .3}, [3]float32{.2, .25, .5}
	// One pixel of colour (51, 102, 255)/255 normalised per channel.
	x := nn.FromData([]float32{(.2 - .5) / .2, (.4 - .4) / .25, (1 - .3) / .5}, 1, 3, 1, 1)
	imgs, err := InputImages(x, mean, std)
	require.NoError(t, err)
	require.Len(t, imgs, 1)
	assert.Equal(t, color.RGBA{51, 102, 255, 255}, imgs[0].RGBAAt(0, 0))
}

func TestResizeAlignCorners(t *testing.T) {
	dst := make([]float32, 3*5)
	resizeAlignCorners([]float32{0, 1, 2, 3}, 2, 2, dst, 3, 5)
	// corners are kept; rows go 0 -> 2 in steps of 1, columns 0 -> 1 in .25.
	assert.InDeltaSlice(t, []float32{0, .25, .5, .75, 1, 1, 1.25, 1.5, 1.75, 2, 2, 2.25, 2.5, 2.75, 3}, dst, 1e-6)
}

func TestGridAndCaption(t *testing.T) {
	a := image.NewRGBA(image.Rect(0, 0, 10, 10))
	b := Caption(a, "Maize", "p=0.93")
	g, err := Grid([]image.Image{a, b, a}, 2, 3)
	require.NoError(t, err)
	assert.Equal(t, 3+2*(10+3), g.Bounds().Dx())
	assert.Equal(t, 3+2*(b.Bounds().Dy()+3), g.Bounds().Dy())
	_, err = Grid(nil, 2, 0)
	assert.Error(t, err)
}

func TestWrapLines(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    []string
		width int
		want  []string
	}{
		{"fits", []string{"Maize", ""}, 10, []string{"Maize", ""}},
		{"at a space", []string{"x Scentless Mayweed 97%"}, 15, []string{"x Scentless", "Mayweed 97%"}},
		{"word too long", []string{"Shepherds-Purse"}, 6, []string{"Shephe", "rds-Pu", "rse"}},
		{"several spaces", []string{"a  b   c"}, 3, []string{"a", "b", "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, wrapLines(tc.in, tc.width))
		})
	}
}

// A class name wider than the picture is wrapped, not cut off: the
// caption grows by a line.
func TestCaptionWrapsLongLines(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 112, 112))
	one := Caption(img, "x Maize 97%")
	two := Caption(img, "x Scentless Mayweed 97%") // 23 x 7 px > 112
	assert.Equal(t, 112, two.Bounds().Dx())
	assert.Equal(t, one.Bounds().Dy()+15, two.Bounds().Dy())
}
