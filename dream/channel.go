package dream

import (
	"fmt"
	"image"
	"math/rand/v2"
	"strings"

	"github.com/seedling-ml/seedling/nn"
)

// DefaultChannelConfig returns the settings of Channel, ChannelTiles and
// Neuron: the mean of one channel (set Config.Channels), or of its one
// neuron, maximised from noise with more steps and octaves than a dream
// on a photo, since the picture starts empty. Layer defaults to "layer3".
func DefaultChannelConfig() Config {
	c := DefaultConfig()
	c.Objective = Mean
	c.Steps = 20
	c.Octaves = 4
	c.OctaveScale = 1.4
	c.LR = 0.1
	c.Jitter = 8
	c.Smooth = 1
	return c
}

// DefaultNeuronConfig returns the settings of Neuron: DefaultChannelConfig's
// without jitter. A channel's mean does not care where the picture sits,
// but one neuron sees only its receptive field, and a random shift moves
// that field over the picture at every step, undoing much of each step:
// on the tour's model, 80 steps on neuron (2,2) of channel 3 of
// layer2.1.bn2 raised it from -1.4 to 9.3 without jitter and left it at
// -0.7 with a jitter of 2 pixels.
func DefaultNeuronConfig() Config {
	c := DefaultChannelConfig()
	c.Jitter = 0
	return c
}

// NoiseStd is the standard deviation, in pixel values (range [0,1]), of the
// noise around mid-gray that Channel starts from.
const NoiseStd = 0.02

// Noise returns a size x size image of mid-gray plus Gaussian noise of
// standard deviation NoiseStd, as a normalised [1,3,size,size] tensor; the
// same seed gives the same noise.
func Noise(size int, seed uint64, mean, std [3]float32) (*nn.Tensor, error) {
	if size < 1 {
		return nil, fmt.Errorf("dream: noise size %d must be positive", size)
	}
	for i, s := range std {
		if !(s > 0) {
			return nil, fmt.Errorf("dream: Std[%d] must be > 0, got %v", i, s)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x0015e))
	x := nn.New(1, 3, size, size)
	plane := size * size
	for c := range 3 {
		for i := range plane {
			v := min(max(0.5+NoiseStd*float32(rng.NormFloat64()), 0), 1)
			x.Data[c*plane+i] = (v - mean[c]) / std[c]
		}
	}
	return x, nil
}

// Channel visualises what the channels cfg.Channels of tap cfg.Layer
// respond to: it dreams on noise (see Noise, seeded by cfg.Seed) of size x
// size pixels, maximising the configured objective of those channels
// (the mean of one channel with DefaultChannelConfig). cfg.Channels must
// not be empty.
func Channel(m Model, size int, cfg Config) (*Result, error) {
	if len(cfg.Channels) == 0 {
		return nil, fmt.Errorf("dream: Channel needs at least one channel of %q in Config.Channels", cfg.Layer)
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	x, err := Noise(size, cfg.Seed, cfg.Mean, cfg.Std)
	if err != nil {
		return nil, err
	}
	return DreamTensor(m, x, cfg)
}

// Neuron visualises one neuron of tap cfg.Layer, as Lucid's neuron
// objective does: the activation of the single channel in cfg.Channels at
// one spatial position of the tap, cfg.Neuron (column X, row Y of the
// tap's output for a size x size input; see Config.Neuron), or the centre
// of the tap (column W/2, row H/2 of its H x W output) when cfg.Neuron is
// nil. Like Channel, it dreams on noise seeded by cfg.Seed with the same
// regularisers (gradient smoothing, colour decorrelation, octaves, and
// jitter if set; DefaultNeuronConfig has the settings that suit it) and
// maximises that one value
// (Mean, the default there) or its square (MeanSquare); the gradient is
// non-zero only inside the neuron's receptive field, widened a little by
// the jitter and the smoothing. Result.Octaves holds the neuron's value
// (or square) before each step. On a tap after a ReLU ("layer2") the
// neuron can be zero on the noise, with a zero gradient (Result.Warning
// says so); the tap before that ReLU ("layer2.1.bn2") has none. A channel
// or position the tap does not have is an error naming it.
func Neuron(m Model, size int, cfg Config) (*Result, error) {
	if len(cfg.Channels) != 1 {
		return nil, fmt.Errorf("dream: Neuron needs exactly one channel of %q in Config.Channels, got %d", cfg.Layer, len(cfg.Channels))
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	x, err := Noise(size, cfg.Seed, cfg.Mean, cfg.Std)
	if err != nil {
		return nil, err
	}
	if cfg.Neuron == nil {
		shape, err := tapShape(m, x, cfg.Layer)
		if err != nil {
			return nil, err
		}
		cfg.Neuron = &image.Point{X: shape[3] / 2, Y: shape[2] / 2}
	}
	return DreamTensor(m, x, cfg)
}

// ChannelTiles renders one tile of size x size pixels per channel of tap
// cfg.Layer (each maximised from the same noise by Channel) and lays them
// out in a captioned grid of cols columns (0: about square). channels nil
// means the first min(16, C) channels of the tap. progress, when not nil,
// is called after each tile with the channel and its result.
func ChannelTiles(m Model, channels []int, size, cols int, cfg Config, progress func(ch int, r *Result)) (*image.RGBA, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	c, err := NumChannels(m, cfg.Layer)
	if err != nil {
		return nil, err
	}
	if channels == nil {
		for ch := range min(16, c) {
			channels = append(channels, ch)
		}
	}
	if len(channels) == 0 {
		return nil, fmt.Errorf("dream: ChannelTiles: no channels")
	}
	// Every channel is checked before the first tile is dreamt.
	if err := channelsInRange(cfg.Layer, c, channels); err != nil {
		return nil, err
	}
	tiles := make([]image.Image, len(channels))
	captions := make([]string, len(channels))
	for i, ch := range channels {
		c := cfg
		c.Channels = []int{ch}
		r, err := Channel(m, size, c)
		if err != nil {
			return nil, fmt.Errorf("dream: %s channel %d: %w", cfg.Layer, ch, unprefixed{err})
		}
		if progress != nil {
			progress(ch, r)
		}
		tiles[i] = r.Image
		captions[i] = fmt.Sprintf("%s ch %d", cfg.Layer, ch)
	}
	return Grid(tiles, captions, cols), nil
}

// unprefixed wraps an error of this package to be wrapped again with more
// context, dropping its "dream: " so that the message says it once.
type unprefixed struct{ err error }

func (u unprefixed) Error() string { return strings.TrimPrefix(u.err.Error(), "dream: ") }
func (u unprefixed) Unwrap() error { return u.err }
