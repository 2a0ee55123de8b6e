package cam

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/internal/shared"
	"github.com/seedling-ml/seedling/nn"
)

// c14Case is one entry of cases/C14_cam_constant_nan/expected.json.
type c14Case struct {
	Acts  [][][]float32 `json:"activations_KHW"`
	Grads [][][]float32 `json:"gradients_KHW"`
	CAM   [][]float32   `json:"cam"`
	PNG   [][]uint8     `json:"cam_png_uint8"`
}

// khw stacks a [K][H][W] array into a [1,K,H,W] tensor.
func khw(a [][][]float32) *nn.Tensor {
	k, h, w := len(a), len(a[0]), len(a[0][0])
	t := nn.New(1, k, h, w)
	for c := range a {
		for y := range a[c] {
			copy(t.Data[(c*h+y)*w:], a[c][y])
		}
	}
	return t
}

func flat2[T any](a [][]T) []T {
	var out []T
	for _, r := range a {
		out = append(out, r...)
	}
	return out
}

func readC14(t *testing.T) (string, map[string]c14Case) {
	dir := shared.Path(t, "cases/C14_cam_constant_nan")
	data, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	require.NoError(t, err)
	var exp struct {
		Cases map[string]c14Case `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(data, &exp))
	require.Len(t, exp.Cases, 4)
	return dir, exp.Cases
}

// TestC14ConstantNegativeZeroMaps checks each C14 case through the
// activations+gradients entry point: the normalised map, its 8-bit PNG
// (decoded again), and the case's expected PNG file.
func TestC14ConstantNegativeZeroMaps(t *testing.T) {
	dir, cases := readC14(t)
	for _, name := range []string{"constant_positive", "all_negative_weights", "zero_gradients", "ramp"} {
		t.Run(name, func(t *testing.T) {
			c, ok := cases[name]
			require.True(t, ok)
			acts, grads := khw(c.Acts), khw(c.Grads)
			h, w := acts.Shape[2], acts.Shape[3]
			res, err := FromGradients(GradCAM, acts, grads, h, w)
			require.NoError(t, err)
			require.Equal(t, []int{1, h, w}, res.Maps.Shape)
			for i, v := range res.Maps.Data {
				require.False(t, math.IsNaN(float64(v)) || math.IsInf(float64(v), 0), "value %d", i)
			}
			assert.InDeltaSlice(t, flat2(c.CAM), res.Maps.Data, 1e-6)

			m, err := Plane(res.Maps, 0)
			require.NoError(t, err)
			g, err := Gray(m)
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, png.Encode(&buf, g))
			back, err := png.Decode(&buf)
			require.NoError(t, err, "our PNG must be valid")
			assert.Equal(t, flat2(c.PNG), grayPixels(t, back))

			f, err := os.Open(filepath.Join(dir, "expected_"+name+".png"))
			require.NoError(t, err)
			defer f.Close()
			want, err := png.Decode(f)
			require.NoError(t, err)
			assert.Equal(t, grayPixels(t, want), grayPixels(t, back))
		})
	}
}

func grayPixels(t *testing.T, img image.Image) []uint8 {
	t.Helper()
	b := img.Bounds()
	var out []uint8
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			require.True(t, r == g && g == bl, "pixel (%d,%d) is not gray", x, y)
			out = append(out, uint8(r>>8))
		}
	}
	return out
}

// TestC14BatchNormalisesPerSample puts a constant map and the ramp in one
// batch: each must come out as on its own (a batch-wide min/max would give
// the constant one 0.5 everywhere).
func TestC14BatchNormalisesPerSample(t *testing.T) {
	_, cases := readC14(t)
	cst, ramp := cases["constant_positive"], cases["ramp"]
	// Both images as [2,2,2] activations: the constant case cropped to 2x2
	// (still constant), the ramp with a second, all-zero channel.
	acts, grads := nn.New(2, 2, 2, 2), nn.New(2, 2, 2, 2)
	for c := 0; c < 2; c++ {
		for y := 0; y < 2; y++ {
			for x := 0; x < 2; x++ {
				acts.Data[(c*2+y)*2+x] = cst.Acts[c][y][x]
				grads.Data[(c*2+y)*2+x] = cst.Grads[c][y][x]
			}
		}
	}
	copy(acts.Data[8:12], flat2(ramp.Acts[0]))
	copy(grads.Data[8:12], flat2(ramp.Grads[0]))

	res, err := FromGradients(GradCAM, acts, grads, 2, 2)
	require.NoError(t, err)
	assert.Equal(t, []float32{0, 0, 0, 0}, res.Maps.Data[:4])
	assert.InDeltaSlice(t, flat2(ramp.CAM), res.Maps.Data[4:], 1e-6)

	// The same through Normalize on raw maps, and through an upsampled batch.
	raw := nn.FromData([]float32{2, 2, 2, 2, 0, 1, 2, 4}, 2, 2, 2)
	got, err := Normalize(raw)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float32{0, 0, 0, 0, 0, .25, .5, 1}, got.Data, 1e-7)
	up, err := FromGradients(GradCAM, acts, grads, 7, 5)
	require.NoError(t, err)
	assert.Equal(t, make([]float32, 35), up.Maps.Data[:35])
	lo, hi := minMax(up.Maps.Data[35:])
	assert.Equal(t, float32(0), lo)
	assert.Equal(t, float32(1), hi)
}

func minMax(v []float32) (lo, hi float32) {
	lo, hi = v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// TestDegenerateMapsAreZero covers the C14 rule on the other entry points:
// CAM without ReLU on all-negative weights, Grad-CAM++ with zero
// gradients, tiny ranges below MinRange, and non-finite input.
func TestDegenerateMapsAreZero(t *testing.T) {
	ones := nn.FromData([]float32{1, 1, 1, 1, 2, 2, 2, 2}, 1, 2, 2, 2)
	tests := []struct {
		name string
		run  func() (*Result, error)
	}{
		{"cam negative constant", func() (*Result, error) {
			return FromWeights(ones, nn.FromData([]float32{-1, -1}, 1, 2), false, 4, 4)
		}},
		{"gradcam++ zero gradients", func() (*Result, error) {
			return FromGradients(GradCAMPlusPlus, ones, nn.New(1, 2, 2, 2), 4, 4)
		}},
		{"gradcam++ negative gradients", func() (*Result, error) {
			return FromGradients(GradCAMPlusPlus, ones, nn.Scale(ones, -1), 4, 4)
		}},
		{"range below 1e-7", func() (*Result, error) {
			a := nn.FromData([]float32{0, 5e-8, 0, 0}, 1, 1, 2, 2)
			return FromWeights(a, nn.FromData([]float32{1}, 1, 1), false, 2, 2)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.run()
			require.NoError(t, err)
			assert.Equal(t, make([]float32, res.Maps.Numel()), res.Maps.Data)
		})
	}
	_, err := Normalize(nn.FromData([]float32{0, float32(math.NaN())}, 1, 1, 2))
	assert.ErrorContains(t, err, "non-finite")
	_, err = FromGradients(Saliency, ones, ones, 2, 2)
	assert.Error(t, err)
	_, err = FromGradients(GradCAM, ones, nn.New(1, 2, 2, 1), 2, 2)
	assert.ErrorContains(t, err, "shape")
}
