package dream

import (
	"image"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/internal/shared"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// The neuron objective reads one element, at the same relative place on
// smaller taps, and its gradient is that element alone.
func TestNeuronObjective(t *testing.T) {
	tests := []struct {
		name     string
		tap      []int // shape of the tap given to the objective
		full     Size  // tap size at the full-size image
		at       image.Point
		ch       int
		obj      Objective
		wantY    int
		wantX    int
		squareOf bool
	}{
		{"full size reads the position itself", []int{1, 2, 4, 6}, Size{4, 6}, image.Pt(3, 2), 1, Mean, 2, 3, false},
		{"corner", []int{1, 2, 4, 6}, Size{4, 6}, image.Pt(0, 0), 0, Mean, 0, 0, false},
		{"last row and column", []int{1, 2, 4, 6}, Size{4, 6}, image.Pt(5, 3), 0, Mean, 3, 5, false},
		{"smaller tap: same relative place", []int{1, 2, 3, 4}, Size{4, 6}, image.Pt(3, 2), 1, Mean, 1, 2, false},
		{"centre of 7x7 is the centre of 5x5", []int{1, 1, 5, 5}, Size{7, 7}, image.Pt(3, 3), 0, Mean, 2, 2, false},
		{"centre of 8x8 is the centre of 6x6", []int{1, 1, 6, 6}, Size{8, 8}, image.Pt(4, 4), 0, Mean, 3, 3, false},
		{"1x1 tap", []int{1, 3, 1, 1}, Size{4, 6}, image.Pt(5, 3), 2, Mean, 0, 0, false},
		{"mean square is the square", []int{1, 2, 4, 6}, Size{4, 6}, image.Pt(1, 1), 1, MeanSquare, 1, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := nn.New(tc.tap...)
			for i := range x.Data {
				x.Data[i] = float32(i%7) - 2.5
			}
			x = x.RequiresGrad()
			h, w := tc.tap[2], tc.tap[3]
			at := tc.ch*h*w + tc.wantY*w + tc.wantX
			want, dwant := x.Data[at], float32(1)
			if tc.squareOf {
				want, dwant = want*want, 2*want
			}
			var v *nn.Tensor
			var g []*nn.Tensor
			require.NoError(t, nn.Try(func() {
				v = neuronObjective(tc.ch, tc.at, tc.full, tc.obj)(x)
				g = nn.Grad(v, nil, x)
			}))
			assert.Equal(t, want, v.Item())
			for i, gv := range g[0].Data {
				if i == at {
					assert.Equal(t, dwant, gv, "gradient at the neuron")
				} else {
					require.Zero(t, gv, "gradient at element %d", i)
				}
			}
		})
	}
}

// On the identity model (the tap is the image), one step without jitter,
// smoothing or decorrelation moves the one pixel of the neuron only, also
// when TileSize would cut the image into tiles: the neuron is never tiled.
func TestNeuronOnIdentityMovesOnePixel(t *testing.T) {
	cfg := DefaultChannelConfig()
	cfg.Layer, cfg.Channels, cfg.Neuron = "x", []int{2}, &image.Point{X: 5, Y: 3}
	cfg.Octaves, cfg.Steps, cfg.Jitter, cfg.Smooth, cfg.Decorrelate, cfg.TileSize = 1, 1, 0, 0, false, 4
	cfg.Mean, cfg.Std = [3]float32{}, [3]float32{1, 1, 1}
	x := nn.New(1, 3, 9, 11)
	for i := range x.Data {
		x.Data[i] = 0.3
	}
	m := &identity{}
	r, err := DreamTensor(m, x, cfg)
	require.NoError(t, err)
	for _, shape := range m.calls {
		assert.Equal(t, []int{1, 3, 9, 11}, shape, "the whole image, never a tile")
	}
	at := 2*9*11 + 3*11 + 5
	for i, v := range r.Tensor.Data {
		if i == at {
			assert.Greater(t, v, float32(0.3), "the neuron's pixel rises")
		} else {
			require.Equal(t, float32(0.3), v, "element %d", i)
		}
	}
	assert.Equal(t, []float32{0.3}, r.Octaves[0].Objective, "the objective is the neuron's value")
	assert.Equal(t, "x ch 2 at x=5,y=3 (mean)", Caption(cfg))
}

// tapValue is the activation of channel ch at (y, x) of tap layer for x.
func tapValue(t *testing.T, m Model, in *nn.Tensor, layer string, ch, y, x int) float32 {
	t.Helper()
	r, err := m.Gradient(in, resnet.GradRequest{Tap: layer, Objective: resnet.MeanObjective()})
	require.NoError(t, err)
	s := r.TapOutput.Shape
	return r.TapOutput.Data[(ch*s[2]+y)*s[3]+x]
}

// Neuron on a random ResNet18: the neuron's activation, measured on the
// un-jittered full-size image, is higher on the result than on the noise
// it started from; the centre is the default; a run is deterministic for
// a seed.
func TestNeuronVisualisation(t *testing.T) {
	m := randomModel(t)
	// Stage 2 is 4x4 at 32 px: the centre is (2,2). Its output follows
	// a ReLU, where a neuron can be zero (and have a zero gradient) on the
	// noise; the second BN of its last unit comes before that ReLU.
	const size, layer = 32, "layer2"
	noise, err := Noise(size, 1, resnet.ImageNetMean, resnet.ImageNetStd)
	require.NoError(t, err)
	tests := []struct {
		name  string
		layer string
		ch    int
		at    *image.Point
		y, x  int
	}{
		{"centre by default", "layer2.1.bn2", 1, nil, 2, 2},
		{"another channel, after the ReLU", layer, 7, nil, 2, 2},
		{"a corner", "layer2.1.bn2", 1, &image.Point{X: 0, Y: 0}, 0, 0},
		{"off centre", layer, 5, &image.Point{X: 3, Y: 1}, 1, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultNeuronConfig()
			cfg.Layer, cfg.Channels, cfg.Neuron = tc.layer, []int{tc.ch}, tc.at
			cfg.Octaves, cfg.Steps, cfg.Jitter = 2, 5, 2 // jitter, so that seeds differ
			r, err := Neuron(m, size, cfg)
			require.NoError(t, err)
			require.Zero(t, r.ZeroGradSteps, "the neuron is alive on the noise")
			assert.Equal(t, image.Pt(size, size), r.Image.Bounds().Size())
			allFinite(t, r.Tensor.Data)
			before, after := tapValue(t, m, noise, tc.layer, tc.ch, tc.y, tc.x), tapValue(t, m, r.Tensor, tc.layer, tc.ch, tc.y, tc.x)
			assert.Greater(t, after, before, "the neuron's activation rises")

			again, err := Neuron(m, size, cfg)
			require.NoError(t, err)
			assert.Equal(t, r.Tensor.Data, again.Tensor.Data, "same seed, same picture")
			pinned := cfg
			pinned.Neuron = &image.Point{X: tc.x, Y: tc.y}
			p, err := Neuron(m, size, pinned)
			require.NoError(t, err)
			assert.Equal(t, r.Tensor.Data, p.Tensor.Data, "the position used is (x=%d, y=%d)", tc.x, tc.y)
			other := cfg
			other.Seed = 2
			o, err := Neuron(m, size, other)
			require.NoError(t, err)
			assert.NotEqual(t, r.Tensor.Data, o.Tensor.Data, "another seed, another picture")

			// Without jitter the objective is read on the same framing at
			// every step and rises over the full-size octave.
			still := cfg
			still.Jitter = 0
			s, err := Neuron(m, size, still)
			require.NoError(t, err)
			obj := s.Octaves[len(s.Octaves)-1].Objective
			assert.Greater(t, obj[len(obj)-1], obj[0])
		})
	}
	t.Run("a neuron is not its channel", func(t *testing.T) {
		cfg := DefaultChannelConfig()
		cfg.Layer, cfg.Channels, cfg.Octaves, cfg.Steps = layer, []int{1}, 2, 3
		n, err := Neuron(m, size, cfg)
		require.NoError(t, err)
		c, err := Channel(m, size, cfg)
		require.NoError(t, err)
		assert.NotEqual(t, c.Tensor.Data, n.Tensor.Data)
	})
}

// Bad channels and positions are errors that name them, never panics.
func TestNeuronErrors(t *testing.T) {
	m := randomModel(t)
	pt := func(x, y int) *image.Point { return &image.Point{X: x, Y: y} }
	tests := []struct {
		name     string
		layer    string
		channels []int
		at       *image.Point
		want     string
	}{
		{"column past the tap", "layer2", []int{1}, pt(4, 0), `neuron position (x=4, y=0) out of range: tap "layer2" has 4 rows and 4 columns (y 0..3, x 0..3) for a 32x32 (HxW) input`},
		{"row past the tap", "layer3", []int{1}, pt(0, 9), `neuron position (x=0, y=9) out of range: tap "layer3" has 2 rows and 2 columns`},
		{"negative position", "layer2", []int{1}, pt(-1, 2), `neuron position (x=-1, y=2) of "layer2" is negative`},
		{"channel past the tap", "layer2", []int{128}, nil, `channel 128 out of range: tap "layer2" has 128 channels`},
		{"channel past the tap, at a position", "layer2", []int{128}, pt(1, 1), `channel 128 out of range: tap "layer2" has 128 channels`},
		{"negative channel", "layer2", []int{-3}, pt(1, 1), "channel -3 is negative"},
		{"no channel", "layer2", nil, nil, `Neuron needs exactly one channel of "layer2" in Config.Channels, got 0`},
		{"two channels", "layer2", []int{1, 2}, pt(1, 1), `Neuron needs exactly one channel of "layer2" in Config.Channels, got 2`},
		{"unknown tap", "layer9", []int{1}, nil, `unknown tap "layer9"`},
		{"not a feature map", "fc", []int{1}, nil, `tap "fc" is not a 4-D`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultChannelConfig()
			cfg.Layer, cfg.Channels, cfg.Neuron = tc.layer, tc.channels, tc.at
			cfg.Octaves, cfg.Steps = 2, 1
			assert.NotPanics(t, func() {
				r, err := Neuron(m, 32, cfg)
				require.ErrorContains(t, err, tc.want)
				assert.Nil(t, r)
			})
		})
	}
	t.Run("Dream checks Config.Neuron too", func(t *testing.T) {
		cfg := DefaultConfig()
		cfg.Layer, cfg.Channels, cfg.Neuron, cfg.Octaves, cfg.Steps = "layer2", []int{1, 2}, pt(0, 0), 2, 1
		_, err := Dream(m, testImage(32, 32), cfg)
		require.ErrorContains(t, err, `a neuron (x=0, y=0) of "layer2" needs exactly one channel in Config.Channels, got 2`)
		cfg.Channels, cfg.Neuron = []int{1}, pt(8, 0)
		_, err = Dream(m, testImage(40, 64), cfg)
		require.ErrorContains(t, err, `neuron position (x=8, y=0) out of range: tap "layer2" has 5 rows and 8 columns`)
	})
}

// On the study's fine-tuned weights, DefaultNeuronConfig raises a neuron
// off the centre of a tap well above where the noise put it, at every
// octave; with a jitter of 8 pixels (DefaultChannelConfig's) the same
// neuron ends about where it started.
func TestNeuronRisesOnTrainedModel(t *testing.T) {
	m, meta, err := resnet.Load(resnet.Source{Weights: shared.Path(t, "reference/resnet18_seedlings.pth"), Arch: resnet.ResNet18Arch, Classes: 12})
	require.NoError(t, err)
	run := func(jitter int) (first, last float32) {
		cfg := DefaultNeuronConfig()
		cfg.Mean, cfg.Std = meta.Mean, meta.Std
		cfg.Layer, cfg.Channels, cfg.Neuron = "layer2.1.bn2", []int{3}, &image.Point{X: 2, Y: 2}
		cfg.Octaves, cfg.Steps, cfg.Jitter = 2, 10, jitter
		r, err := Neuron(m, 96, cfg)
		require.NoError(t, err)
		obj := r.Octaves[len(r.Octaves)-1].Objective
		return r.Octaves[0].Objective[0], obj[len(obj)-1]
	}
	first, last := run(0)
	t.Logf("no jitter: %.3g -> %.3g", first, last)
	assert.Greater(t, last, first+2)
	first, last = run(8)
	t.Logf("jitter 8: %.3g -> %.3g", first, last)
}
