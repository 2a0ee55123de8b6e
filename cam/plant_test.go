package cam

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/nn"
)

var (
	soil = color.RGBA{120, 90, 60, 255} // brown: ExG = (180-180)/270 = 0
	leaf = color.RGBA{60, 150, 50, 255} // green: ExG = 190/260 = 0.73
)

// seedlingPicture is a size x size image of brown soil with a green disk of
// radius r centred at (cx, cy).
func seedlingPicture(size, cx, cy, r int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			c := soil
			if (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r {
				c = leaf
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// blob is a [size,size] Gaussian bump centred at (cx, cy).
func blob(size, cx, cy int, sigma float64) []float32 {
	out := make([]float32, size*size)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			d2 := float64((x-cx)*(x-cx) + (y-cy)*(y-cy))
			out[y*size+x] = float32(math.Exp(-d2 / (2 * sigma * sigma)))
		}
	}
	return out
}

func TestExcessGreen(t *testing.T) {
	tests := []struct {
		name    string
		c       color.RGBA
		exg     float64
		isPlant bool
	}{
		{"leaf", leaf, 190.0 / 260, true},
		{"brown soil", soil, 0, false},
		{"grey gravel", color.RGBA{128, 128, 128, 255}, 0, false},
		{"white bar code", color.RGBA{250, 250, 250, 255}, 0, false},
		{"black", color.RGBA{0, 0, 0, 255}, 0, false},
		{"near-black green noise", color.RGBA{2, 9, 1, 255}, 15.0 / 12, false},
		{"yellowish green", color.RGBA{150, 170, 60, 255}, 130.0 / 380, true},
		{"pale, barely green", color.RGBA{120, 130, 110, 255}, 30.0 / 360, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.InDelta(t, tc.exg, ExcessGreen(tc.c.R, tc.c.G, tc.c.B), 1e-12)
			img := image.NewRGBA(image.Rect(0, 0, 1, 1))
			img.SetRGBA(0, 0, tc.c)
			want := float32(0)
			if tc.isPlant {
				want = 1
			}
			assert.Equal(t, want, PlantMask(img, DefaultExGThreshold).Data[0])
			// The generic path (any image.Image) agrees with the fast one.
			nrgba := image.NewNRGBA(img.Bounds())
			nrgba.Set(0, 0, tc.c)
			assert.Equal(t, want, PlantMask(nrgba, DefaultExGThreshold).Data[0])
			// Alpha is dropped, not multiplied in: a translucent leaf is
			// still a leaf (premultiplied, it would be too dark).
			nrgba.Pix[3] = 40
			assert.Equal(t, want, PlantMask(nrgba, DefaultExGThreshold).Data[0], "translucent")
		})
	}
	assert.Empty(t, PlantMask(nil, DefaultExGThreshold).Data)
}

// TestRankByFocusSoilFirst: a heat map on brown soil must rank before one
// on the green blob, a uniform map lands in between at the plant cover,
// and an all-zero map comes first.
func TestRankByFocusSoilFirst(t *testing.T) {
	const size = 64
	img := seedlingPicture(size, 16, 16, 10)
	onPlant := blob(size, 16, 16, 5)
	onSoil := blob(size, 48, 48, 5)
	uniform := make([]float32, size*size)
	for i := range uniform {
		uniform[i] = 1
	}
	empty := make([]float32, size*size)
	var data []float32
	for _, m := range [][]float32{onPlant, onSoil, uniform, empty} {
		data = append(data, m...)
	}
	maps := nn.FromData(data, 4, size, size)
	imgs := []image.Image{img, img, img, img}

	ranked, err := RankByFocus(imgs, maps, DefaultExGThreshold)
	require.NoError(t, err)
	order := make([]int, len(ranked))
	for i, f := range ranked {
		order[i] = f.Index
	}
	assert.Equal(t, []int{3, 1, 2, 0}, order)

	byIndex := map[int]Focus{}
	for _, f := range ranked {
		byIndex[f.Index] = f
	}
	cover := byIndex[0].PlantCover
	assert.InDelta(t, math.Pi*100/(size*size), cover, 0.01, "disk of radius 10")
	// A 2-D Gaussian holds 1-exp(-2) = 86.5% of its mass within 2 sigma.
	assert.InDelta(t, 0.865, byIndex[0].OnPlant, 0.01)
	assert.Less(t, byIndex[1].OnPlant, 1e-3)
	assert.InDelta(t, cover, byIndex[2].OnPlant, 1e-9)
	assert.True(t, byIndex[3].Empty)
	assert.False(t, byIndex[0].Empty)
}

func TestRankByFocusErrors(t *testing.T) {
	img := seedlingPicture(8, 4, 4, 2)
	_, err := RankByFocus([]image.Image{img}, nn.New(2, 8, 8), DefaultExGThreshold)
	assert.ErrorContains(t, err, "1 images for 2 maps")
	_, err = RankByFocus([]image.Image{img}, nn.New(1, 4, 4), DefaultExGThreshold)
	assert.ErrorContains(t, err, "differ in size")
	_, err = RankByFocus([]image.Image{img}, nn.Scale(nn.FromData(make([]float32, 64), 1, 8, 8), 1), DefaultExGThreshold)
	assert.NoError(t, err)
	neg := nn.New(1, 8, 8)
	neg.Data[3] = -1
	_, err = RankByFocus([]image.Image{img}, neg, DefaultExGThreshold)
	assert.ErrorContains(t, err, "negative")
}
