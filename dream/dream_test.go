package dream

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/internal/shared"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// identity is a Model whose only tap is its input ("x"): the objective is
// evaluated on the image itself, so its gradient is known in closed form
// (mean square: 2x/N, zero on a zero image). calls records the input
// shapes it was given.
type identity struct {
	calls    [][]int
	nan      bool // a NaN in the gradient
	nanValue bool // a NaN objective with a finite gradient
}

func (m *identity) Gradient(x *nn.Tensor, req resnet.GradRequest) (*resnet.GradResult, error) {
	m.calls = append(m.calls, append([]int(nil), x.Shape...))
	if req.Tap != "x" {
		return nil, assert.AnError
	}
	xin := x.Detach().RequiresGrad()
	var obj *nn.Tensor
	var g []*nn.Tensor
	if err := nn.Try(func() {
		obj = req.Objective(xin)
		g = nn.Grad(obj, nil, xin)
	}); err != nil {
		return nil, err
	}
	if m.nan {
		g[0].Data[0] = float32(math.NaN())
	}
	value := obj.Item()
	if m.nanValue {
		value = float32(math.NaN())
	}
	return &resnet.GradResult{Value: value, Input: g[0], TapOutput: xin}, nil
}

// randomModel is a ResNet18 with random weights in eval mode.
func randomModel(t *testing.T) *resnet.ResNet {
	t.Helper()
	m, err := resnet.New(resnet.ResNet18Arch, 4, 7)
	require.NoError(t, err)
	m.Eval()
	return m
}

// testImage is a deterministic colourful h x w picture.
func testImage(h, w int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(37*x + 11*y), uint8(255 - 5*y), uint8(13 * (x ^ y)), 255})
		}
	}
	return img
}

func sameImage(t *testing.T, want image.Image, got *image.RGBA) {
	t.Helper()
	require.Equal(t, want.Bounds().Size(), got.Bounds().Size())
	w := dataset.ToRGB(want)
	for y := range got.Bounds().Dy() {
		for x := range got.Bounds().Dx() {
			require.Equal(t, w.RGBAAt(x, y), got.RGBAAt(x, y), "pixel (%d,%d)", x, y)
		}
	}
}

func allFinite(t *testing.T, d []float32) {
	t.Helper()
	for i, v := range d {
		require.False(t, math.IsNaN(float64(v)) || math.IsInf(float64(v), 0), "element %d is %v", i, v)
	}
}

// C16: the normalised step, with an epsilon, on the case's gradients.
func TestAscentStepC16(t *testing.T) {
	// The case's keys hold commas, which struct tags cannot name.
	var fields map[string]json.RawMessage
	raw, err := os.ReadFile(shared.Path(t, "cases/C16_deepdream_zero_grad/expected.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &fields))
	var exp struct {
		Move struct {
			X []float32 `json:"x_after"`
		}
		Tiny struct {
			Delta float64 `json:"delta_each"`
		}
		Atol float64
	}
	require.NoError(t, json.Unmarshal(fields["gradient_[1,1,2,2]=[1,-1,2,-2]_from_x=0"], &exp.Move))
	require.NoError(t, json.Unmarshal(fields["gradient_all_1e-30"], &exp.Tiny))
	require.NoError(t, json.Unmarshal(fields["atol"], &exp.Atol))
	require.Len(t, exp.Move.X, 4)
	require.Positive(t, exp.Tiny.Delta)

	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	start := []float32{0.25, -1.5, 2, 0, 0.5, 1, -1, 3}
	tiny := make([]float32, 8)
	for i := range tiny {
		tiny[i] = 1e-30
	}
	tests := []struct {
		name    string
		x, g    []float32
		want    []float32
		atol    float64
		moved   bool
		wantErr string
	}{
		{"zero gradient leaves x bit-identical", start, make([]float32, 8), start, 0, false, ""},
		{"case gradient from zero", make([]float32, 4), []float32{1, -1, 2, -2}, exp.Move.X, exp.Atol, true, ""},
		{"tiny gradient barely moves", start, tiny, start, 10 * exp.Tiny.Delta, true, ""},
		{"NaN gradient", start, []float32{0, 0, nan, 0, 0, 0, 0, 0}, start, 0, false, "NaN at element 2"},
		{"Inf gradient", start, []float32{inf, 0, 0, 0, 0, 0, 0, 0}, start, 0, false, "+Inf at element 0"},
		{"length mismatch", start, []float32{1}, start, 0, false, "8 values but 1 gradients"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := append([]float32(nil), tc.x...)
			moved, err := AscentStep(x, tc.g, 0.01)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.moved, moved)
			allFinite(t, x)
			for i := range x {
				if tc.atol == 0 {
					assert.Equal(t, math.Float32bits(tc.want[i]), math.Float32bits(x[i]), "element %d", i)
				} else {
					assert.InDelta(t, tc.want[i], x[i], tc.atol, "element %d", i)
				}
			}
		})
	}
}

// C16 through the whole algorithm: a zero image under a mean-square
// objective on the identity has a zero gradient at every step; the image
// comes back unchanged and the run says so. A NaN gradient is an error.
func TestDreamZeroGradient(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Layer, cfg.Octaves, cfg.Steps = "x", 2, 3
	cfg.Mean, cfg.Std = [3]float32{}, [3]float32{1, 1, 1}
	black := image.NewRGBA(image.Rect(0, 0, 9, 7))
	draw := func(c color.RGBA) {
		for i := 0; i < len(black.Pix); i += 4 {
			copy(black.Pix[i:], []uint8{c.R, c.G, c.B, c.A})
		}
	}
	draw(color.RGBA{0, 0, 0, 255})
	res, err := Dream(&identity{}, black, cfg)
	require.NoError(t, err)
	sameImage(t, black, res.Image)
	assert.Equal(t, 6, res.Steps)
	assert.Equal(t, 6, res.ZeroGradSteps)
	assert.Contains(t, res.Warning(), "zero gradient at all 6 steps")
	for _, v := range res.Tensor.Data {
		assert.Zero(t, math.Float32bits(v))
	}

	_, err = Dream(&identity{nan: true}, testImage(7, 9), cfg)
	require.ErrorContains(t, err, "gradient is NaN")
	_, err = Dream(&identity{nanValue: true}, testImage(7, 9), cfg)
	require.ErrorContains(t, err, "the objective is NaN")
	assert.Equal(t, 1, strings.Count(err.Error(), "dream:"), err.Error())
}

// C17: the pyramid sizes of the case, the exact size of every octave a
// model sees, the output size, the layer sizes of ResNet18 at the largest
// and smallest octave, and steps=0 giving back the input pixel for pixel.
func TestOctavesC17(t *testing.T) {
	dir := shared.Path(t, "cases/C17_deepdream_octaves")
	var exp struct {
		Params struct {
			N     int     `json:"num_octaves"`
			Scale float64 `json:"octave_scale"`
		} `json:"octave_params"`
		Sizes   [][2]int          `json:"octave_sizes_HxW_largest_first"`
		Full    map[string][2]int `json:"resnet18_layer_sizes_at_full_octave"`
		Smallst map[string][2]int `json:"resnet18_layer_sizes_at_smallest_octave"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &exp))
	img, err := dataset.DecodeFile(filepath.Join(dir, "dd_input_31x44.png"), dataset.DecodeOptions{})
	require.NoError(t, err)
	require.Equal(t, image.Pt(44, 31), img.Bounds().Size())

	sizes := OctaveSizes(31, 44, exp.Params.N, exp.Params.Scale)
	require.Len(t, sizes, len(exp.Sizes))
	for i, s := range exp.Sizes {
		assert.Equal(t, Size{s[0], s[1]}, sizes[i], "octave %d", i)
	}

	cfg := DefaultConfig()
	cfg.Octaves, cfg.OctaveScale = exp.Params.N, exp.Params.Scale

	t.Run("steps=0 returns the input", func(t *testing.T) {
		c := cfg
		c.Steps = 0
		res, err := Dream(randomModel(t), img, c)
		require.NoError(t, err)
		sameImage(t, img, res.Image)
	})

	t.Run("every octave runs at its stored size", func(t *testing.T) {
		c := cfg
		c.Layer, c.Steps, c.Jitter = "x", 2, 3
		m := &identity{}
		res, err := Dream(m, img, c)
		require.NoError(t, err)
		assert.Equal(t, image.Pt(44, 31), res.Image.Bounds().Size())
		require.Len(t, m.calls, 2*len(sizes))
		for i, shape := range m.calls {
			s := sizes[len(sizes)-1-i/2]
			assert.Equal(t, []int{1, 3, s.H, s.W}, shape, "call %d", i)
		}
		for i, o := range res.Octaves {
			assert.Equal(t, sizes[len(sizes)-1-i], o.Size)
		}
	})

	t.Run("ResNet18 layer sizes", func(t *testing.T) {
		m := randomModel(t)
		for layer, want := range exp.Full {
			for _, tc := range []struct {
				size Size
				want [2]int
			}{{sizes[0], want}, {sizes[len(sizes)-1], exp.Smallst[layer]}} {
				r, err := m.Gradient(nn.New(1, 3, tc.size.H, tc.size.W), resnet.GradRequest{Tap: layer, Objective: resnet.MeanObjective()})
				require.NoError(t, err)
				assert.Equal(t, tc.want[:], r.TapOutput.Shape[2:], "%s at %v", layer, tc.size)
			}
		}
		c := cfg
		c.Layer, c.Steps = "layer4", 2
		res, err := Dream(m, img, c)
		require.NoError(t, err)
		assert.Equal(t, image.Pt(44, 31), res.Image.Bounds().Size())
		allFinite(t, res.Tensor.Data)
	})
}

// A real run on a random ResNet18: finite, within the valid pixel range,
// the objective rises, the same seed gives the same picture and another
// seed another one.
func TestDreamDeterministicAndFinite(t *testing.T) {
	m := randomModel(t)
	img := testImage(40, 48)
	tests := []struct {
		layer    string
		channels []int
		obj      Objective
	}{
		{"layer2", nil, MeanSquare},
		{"layer3", []int{3, 17}, Mean},
		{"layer2.1.bn2", []int{5}, MeanSquare},
	}
	for _, tc := range tests {
		t.Run(Caption(Config{Layer: tc.layer, Channels: tc.channels, Objective: tc.obj}), func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Layer, cfg.Channels, cfg.Objective = tc.layer, tc.channels, tc.obj
			cfg.Octaves, cfg.Steps, cfg.Seed = 2, 4, 3
			var progress []Progress
			cfg.Progress = func(p Progress) { progress = append(progress, p) }
			a, err := Dream(m, img, cfg)
			require.NoError(t, err)
			require.Len(t, progress, 2)
			assert.Equal(t, Progress{Layer: tc.layer, Octave: 2, Octaves: 2, Height: 40, Width: 48, First: a.Octaves[1].Objective[0], Last: a.Octaves[1].Objective[3]}, progress[1])
			allFinite(t, a.Tensor.Data)
			lo, hi := bounds(cfg.Mean, cfg.Std)
			plane := 40 * 48
			for i, v := range a.Tensor.Data {
				c := i / plane
				require.True(t, v >= lo[c] && v <= hi[c], "value %v of channel %d outside [%v,%v]", v, c, lo[c], hi[c])
			}
			assert.Zero(t, a.ZeroGradSteps)
			assert.Empty(t, a.Warning())

			cfg.Progress = nil
			// Without jitter the objective is measured on the same
			// framing at every step, and gradient ascent raises it.
			still := cfg
			still.Jitter, still.LR = 0, 0.01
			s, err := Dream(m, img, still)
			require.NoError(t, err)
			obj := s.Octaves[1].Objective
			assert.Greater(t, obj[len(obj)-1], obj[0], "the objective rises over an octave")

			b, err := Dream(m, img, cfg)
			require.NoError(t, err)
			assert.Equal(t, a.Tensor.Data, b.Tensor.Data, "same seed, same picture")
			cfg.Seed = 4
			c, err := Dream(m, img, cfg)
			require.NoError(t, err)
			assert.NotEqual(t, a.Tensor.Data, c.Tensor.Data, "another seed jitters differently")
		})
	}
}

func TestDreamErrors(t *testing.T) {
	m := randomModel(t)
	img := testImage(20, 20)
	tests := []struct {
		name string
		edit func(*Config)
		img  image.Image
		want string
	}{
		{"unknown tap", func(c *Config) { c.Layer = "layer5" }, img, `unknown tap "layer5"`},
		{"no layer", func(c *Config) { c.Layer = "" }, img, "no layer"},
		{"channel too large", func(c *Config) { c.Layer, c.Channels = "layer2", []int{3, 128} }, img, `channel 128 out of range: tap "layer2" has 128 channels`},
		{"negative channel", func(c *Config) { c.Channels = []int{-1} }, img, "channel -1 is negative"},
		{"channels of fc", func(c *Config) { c.Layer, c.Channels = "fc", []int{0} }, img, `tap "fc" is not a 4-D`},
		{"negative steps", func(c *Config) { c.Steps = -1 }, img, "Steps must be >= 0"},
		{"NaN lr", func(c *Config) { c.LR = float32(math.NaN()) }, img, "LR must be"},
		{"no octaves", func(c *Config) { c.Octaves = 0 }, img, "Octaves must be >= 1"},
		{"scale 1", func(c *Config) { c.OctaveScale = 1 }, img, "OctaveScale must be"},
		{"negative jitter", func(c *Config) { c.Jitter = -2 }, img, "Jitter must be"},
		{"Inf smooth", func(c *Config) { c.Smooth = math.Inf(1) }, img, "Smooth must be"},
		{"negative tile", func(c *Config) { c.TileSize = -1 }, img, "TileSize must be"},
		{"zero std", func(c *Config) { c.Std[1] = 0 }, img, "Std[1] must be"},
		{"bad objective", func(c *Config) { c.Objective = Objective(9) }, img, "unknown objective Objective(9)"},
		{"empty image", func(*Config) {}, image.NewRGBA(image.Rect(0, 0, 0, 0)), "empty image"},
		{"nil image", func(*Config) {}, nil, "empty image"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Octaves, cfg.Steps = 2, 1
			tc.edit(&cfg)
			res, err := Dream(m, tc.img, cfg)
			require.ErrorContains(t, err, tc.want)
			assert.Nil(t, res)
		})
	}
	_, err := DreamTensor(m, nn.New(3, 8, 8), DefaultConfig())
	require.ErrorContains(t, err, "[1,3,H,W] tensor, got shape [3 8 8]")
}

// Tiling: on the identity, the mean-square gradient is local (2x/N), so
// the area-weighted tiled gradient equals the untiled one.
func TestTiledGradientMatchesWhole(t *testing.T) {
	x, err := ImageToTensor(testImage(13, 17), resnet.ImageNetMean, resnet.ImageNetStd)
	require.NoError(t, err)
	cfg := DefaultConfig()
	cfg.Layer = "x"
	for _, tile := range []int{0, 5, 8, 13} {
		cfg.TileSize = tile
		m := &identity{}
		d := &dreamer{m: m, cfg: cfg, obj: cfg.objective(Size{})}
		g, v, err := d.gradient(x)
		require.NoError(t, err)
		want := (&identity{}).mustGrad(t, x)
		assert.InDelta(t, want.Value, v, 1e-5, "tile %d", tile)
		for i := range g.Data {
			require.InDelta(t, want.Input.Data[i], g.Data[i], 1e-7, "tile %d element %d", tile, i)
		}
		ty, tx := len(tileEdges(13, tile))-1, len(tileEdges(17, tile))-1
		assert.Len(t, m.calls, ty*tx, "tile %d", tile)
		for _, c := range m.calls {
			assert.LessOrEqual(t, c[2], max(13*boolInt(tile == 0), tile))
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (m *identity) mustGrad(t *testing.T, x *nn.Tensor) *resnet.GradResult {
	r, err := m.Gradient(x, resnet.GradRequest{Tap: "x", Objective: resnet.MeanSquareObjective()})
	require.NoError(t, err)
	return r
}

func TestTileEdges(t *testing.T) {
	tests := []struct {
		n, size int
		want    []int
	}{
		{10, 0, []int{0, 10}},
		{10, 10, []int{0, 10}},
		{10, 4, []int{0, 3, 6, 10}},
		{1000, 512, []int{0, 500, 1000}},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tileEdges(tc.n, tc.size), "%d/%d", tc.n, tc.size)
	}
}

func TestRollAndSmooth(t *testing.T) {
	x := nn.New(1, 2, 5, 7)
	for i := range x.Data {
		x.Data[i] = float32(i)
	}
	r := roll(x, 2, -3)
	assert.Equal(t, x.Data[0], r.Data[2*7+4], "(0,0) moves to (2,4)")
	assert.Equal(t, x.Data, roll(r, -2, 3).Data, "rolling back restores the tensor")

	z := nn.New(1, 3, 6, 6)
	smooth(z, 1.5)
	for _, v := range z.Data {
		assert.Zero(t, math.Float32bits(v), "a zero gradient stays exactly zero")
	}
	c := nn.New(1, 1, 6, 6)
	for i := range c.Data {
		c.Data[i] = 2
	}
	smooth(c, 1)
	for _, v := range c.Data {
		assert.InDelta(t, 2, v, 1e-5, "a constant is kept")
	}
	// Decorrelation: zero stays zero, a pure colour difference shrinks
	// far more than a brightness change.
	dz := nn.New(1, 3, 2, 2)
	decorrelate(dz)
	assert.Equal(t, make([]float32, 12), dz.Data)
	gray := nn.FromData([]float32{1, 1, 1}, 1, 3, 1, 1)
	decorrelate(gray)
	assert.InDeltaSlice(t, []float32{0.208, 0.216, 0.216}, gray.Data, 1e-6)
	rb := nn.FromData([]float32{1, 0, -1}, 1, 3, 1, 1)
	decorrelate(rb)
	assert.InDeltaSlice(t, []float32{0.0134, -0.0022, -0.0192}, rb.Data, 1e-6)

	spike := nn.New(1, 1, 25, 25)
	spike.Data[12*25+12] = 1
	smooth(spike, 1)
	var sum float32
	for _, v := range spike.Data {
		sum += v
	}
	assert.InDelta(t, 1, sum, 1e-4, "the mass of an interior spike is kept")
	assert.Less(t, spike.Data[12*25+12], float32(0.5), "and spread out")
}

// ImageToTensor and TensorToImage round-trip 8-bit pixels exactly.
func TestImageTensorRoundTrip(t *testing.T) {
	img := testImage(11, 13)
	x, err := ImageToTensor(img, resnet.ImageNetMean, resnet.ImageNetStd)
	require.NoError(t, err)
	assert.Equal(t, []int{1, 3, 11, 13}, x.Shape)
	back, err := TensorToImage(x, 0, resnet.ImageNetMean, resnet.ImageNetStd)
	require.NoError(t, err)
	sameImage(t, img, back)
	_, err = TensorToImage(x, 1, resnet.ImageNetMean, resnet.ImageNetStd)
	require.ErrorContains(t, err, "want image 1 of an [N,3,H,W] batch")
}

// Channel and ChannelTiles: deterministic noise, one tile per channel,
// errors for a missing or bad channel.
func TestChannelVisualisation(t *testing.T) {
	m := randomModel(t)
	a, err := Noise(16, 5, resnet.ImageNetMean, resnet.ImageNetStd)
	require.NoError(t, err)
	b, err := Noise(16, 5, resnet.ImageNetMean, resnet.ImageNetStd)
	require.NoError(t, err)
	assert.Equal(t, a.Data, b.Data)
	_, err = Noise(0, 5, resnet.ImageNetMean, resnet.ImageNetStd)
	require.ErrorContains(t, err, "noise size 0")

	cfg := DefaultChannelConfig()
	cfg.Layer, cfg.Octaves, cfg.Steps = "layer2", 2, 3
	_, err = Channel(m, 32, cfg)
	require.ErrorContains(t, err, "needs at least one channel")
	cfg.Channels = []int{1}
	r, err := Channel(m, 32, cfg)
	require.NoError(t, err)
	assert.Equal(t, image.Pt(32, 32), r.Image.Bounds().Size())
	allFinite(t, r.Tensor.Data)
	obj := r.Octaves[1].Objective
	assert.Greater(t, obj[len(obj)-1], obj[0])

	n, err := NumChannels(m, "layer2")
	require.NoError(t, err)
	assert.Equal(t, 128, n)
	cfg.Channels = nil
	grid, err := ChannelTiles(m, []int{0, 5, 9}, 24, 2, cfg, nil)
	require.NoError(t, err)
	// 2 columns, 2 rows of 24 px tiles with captions and gaps.
	assert.Equal(t, figureGap+2*(max(24, textWidth("layer2 ch 0"))+figureGap), grid.Bounds().Dx())
	assert.Equal(t, figureGap+2*(24+labelFace.Height+figureGap/2+figureGap), grid.Bounds().Dy())
	_, err = ChannelTiles(m, []int{0, 500}, 24, 2, cfg, nil)
	require.ErrorContains(t, err, "channel 500 out of range")
	assert.Equal(t, 1, strings.Count(err.Error(), "dream:"), err.Error())
	wrapped := fmt.Errorf("dream: layer2 channel 3: %w", unprefixed{errors.New("dream: step 2: gradient is NaN")})
	assert.Equal(t, "dream: layer2 channel 3: step 2: gradient is NaN", wrapped.Error())
}

// naiveBlur is the reference blur: a direct 2-D separable convolution in
// float64, mirroring every index as it goes.
func naiveBlur(t *nn.Tensor, sigma float64) []float64 {
	k := gaussianKernel(sigma)
	r := len(k) / 2
	h, w := t.Shape[2], t.Shape[3]
	out := make([]float64, len(t.Data))
	tmp := make([]float64, h*w)
	for p := 0; p < t.Shape[0]*t.Shape[1]; p++ {
		plane := t.Data[p*h*w : (p+1)*h*w]
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var s float64
				for j, kv := range k {
					s += float64(kv) * float64(plane[y*w+reflect(x+j-r, w)])
				}
				tmp[y*w+x] = s
			}
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var s float64
				for j, kv := range k {
					s += float64(kv) * tmp[reflect(y+j-r, h)*w+x]
				}
				out[p*h*w+y*w+x] = s
			}
		}
	}
	return out
}

// The fast blur agrees with the float64 reference on odd sizes, planes
// narrower than the kernel (mirroring more than once) and a batch.
func TestBlurMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		shape []int
		sigma float64
	}{
		{[]int{1, 3, 17, 23}, 1},
		{[]int{2, 3, 9, 5}, 2},
		{[]int{1, 1, 1, 7}, 0.5},
		{[]int{1, 2, 3, 2}, 3},
		{[]int{1, 3, 64, 64}, 4},
	} {
		x := nn.New(tc.shape...)
		for i := range x.Data {
			x.Data[i] = float32(rng.NormFloat64())
		}
		want := naiveBlur(x, tc.sigma)
		blur(x, tc.sigma)
		got := make([]float64, len(x.Data))
		for i, v := range x.Data {
			got[i] = float64(v)
		}
		assert.InDeltaSlice(t, want, got, 1e-5, "%v sigma %v", tc.shape, tc.sigma)
	}

	// blurAll over tensors of different shapes and sigmas at once gives
	// each the blur it would get alone.
	var ts []*nn.Tensor
	var sigmas []float64
	var wants [][]float64
	for i, shape := range [][]int{{1, 3, 17, 23}, {1, 1, 40, 6}, {2, 3, 9, 5}} {
		x := nn.New(shape...)
		for j := range x.Data {
			x.Data[j] = float32(rng.NormFloat64())
		}
		sigma := []float64{1, 2.5, 0.5}[i]
		ts, sigmas, wants = append(ts, x), append(sigmas, sigma), append(wants, naiveBlur(x, sigma))
	}
	blurAll(ts, sigmas)
	for i, x := range ts {
		got := make([]float64, len(x.Data))
		for j, v := range x.Data {
			got[j] = float64(v)
		}
		assert.InDeltaSlice(t, wants[i], got, 1e-5, "blurAll tensor %d %v", i, x.Shape)
	}
}

// DreamLayers dreams once per layer, in order, with the layer in every
// progress report, checks every layer first, and names the layer of an
// error.
func TestDreamLayers(t *testing.T) {
	m := randomModel(t)
	x, err := ImageToTensor(testImage(48, 48), resnet.ImageNetMean, resnet.ImageNetStd)
	require.NoError(t, err)
	cfg := DefaultConfig()
	cfg.Octaves, cfg.Steps = 2, 1
	var seen []string
	cfg.Progress = func(p Progress) { seen = append(seen, p.Layer) }
	res, err := DreamLayers(m, x, []string{"layer2", "layer3"}, cfg)
	require.NoError(t, err)
	require.Len(t, res, 2)
	assert.Equal(t, []string{"layer2", "layer2", "layer3", "layer3"}, seen)
	for i, layer := range []string{"layer2", "layer3"} {
		cfg.Layer = layer
		one, err := DreamTensor(m, x, cfg)
		require.NoError(t, err)
		assert.Equal(t, one.Tensor.Data, res[i].Tensor.Data, layer)
	}
	// A misspelt layer fails before the first dream, with one prefix.
	seen = nil
	_, err = DreamLayers(m, x, []string{"layer2", "layer9"}, cfg)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), `dream: DreamLayers: resnet: unknown tap "layer9"`), err.Error())
	assert.Empty(t, seen, "no dream ran")
	// An error that depends on the layer names it.
	cfg.Channels = []int{999}
	_, err = DreamLayers(m, x, []string{"layer2"}, cfg)
	assert.ErrorContains(t, err, `channel 999 out of range: tap "layer2"`)
	assert.Equal(t, 1, strings.Count(err.Error(), "dream: "), err.Error())
	_, err = DreamLayers(m, x, nil, cfg)
	assert.ErrorContains(t, err, "no layers given")
}
