package dream

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// Model is what DeepDream needs from a network: the gradient of an
// objective on a named tap with respect to the input. *resnet.ResNet
// implements it; put it in eval mode first (resnet.Load does), so that
// BatchNorm uses its running statistics.
type Model interface {
	Gradient(x *nn.Tensor, req resnet.GradRequest) (*resnet.GradResult, error)
}

// OctaveStats records one octave of a run.
type OctaveStats struct {
	Size Size
	// Objective holds the objective before each step of the octave.
	Objective []float32
	// ZeroGradSteps counts the steps whose gradient was exactly zero (the
	// image was left unchanged by them).
	ZeroGradSteps int
}

// Result is the outcome of Dream, DreamTensor and Channel.
type Result struct {
	// Image is the dreamed picture, at the size of the input.
	Image *image.RGBA
	// Tensor is the dreamed picture as a normalised [1,3,H,W] tensor.
	Tensor *nn.Tensor
	// Octaves describes each octave, smallest first (the order they run).
	Octaves []OctaveStats
	// ZeroGradSteps counts, over all octaves, the steps whose gradient was
	// exactly zero: the tap (or channel) did not respond to the image at
	// all, for example a ReLU channel that is dead on it. When it equals
	// Steps, the image is returned unchanged; see Warning.
	ZeroGradSteps int
	// Steps is the number of steps run (Octaves times Config.Steps).
	Steps int
}

// Warning describes a condition the caller should know about (zero
// gradients), or returns "" when there is none.
func (r *Result) Warning() string {
	switch {
	case r.ZeroGradSteps == 0:
		return ""
	case r.ZeroGradSteps == r.Steps:
		return fmt.Sprintf("the objective had a zero gradient at all %d steps: the image is unchanged (is the tap or channel dead on this image?)", r.Steps)
	}
	return fmt.Sprintf("the objective had a zero gradient at %d of %d steps (those steps left the image unchanged)", r.ZeroGradSteps, r.Steps)
}

// Dream runs DeepDream on img: gradient ascent on the configured tap of m,
// over an image pyramid, starting from the smallest octave and carrying the
// dreamed detail up to the full size. The result has the size of img.
// Errors (an unknown tap or channel, a NaN or infinite objective or
// gradient) stop the run; no picture is returned with them.
func Dream(m Model, img image.Image, cfg Config) (*Result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	x, err := ImageToTensor(img, cfg.Mean, cfg.Std)
	if err != nil {
		return nil, err
	}
	return DreamTensor(m, x, cfg)
}

// DreamLayers runs DreamTensor on x once for each of layers (replacing
// cfg.Layer), the study's "what does each stage encode" figure, and returns
// the results in the order of layers. Every layer is checked before the
// first dream, so a misspelt last one costs no work; an error that depends
// on the layer names it, and Progress reports carry the layer too.
func DreamLayers(m Model, x *nn.Tensor, layers []string, cfg Config) ([]*Result, error) {
	if len(layers) == 0 {
		return nil, fmt.Errorf("dream: DreamLayers: no layers given")
	}
	if c, ok := m.(tapChecker); ok {
		if err := c.CheckTaps(layers...); err != nil {
			return nil, fmt.Errorf("dream: DreamLayers: %w", err)
		}
	}
	out := make([]*Result, len(layers))
	for i, layer := range layers {
		cfg.Layer = layer
		r, err := DreamTensor(m, x, cfg)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

// tapChecker is the optional method of a Model that checks tap names
// before any work (resnet.ResNet has it).
type tapChecker interface {
	CheckTaps(names ...string) error
}

// DreamTensor is Dream on an already normalised [1,3,H,W] tensor, which it
// does not modify.
func DreamTensor(m Model, x *nn.Tensor, cfg Config) (*Result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if c, ok := m.(tapChecker); ok {
		// A misspelt layer is reported before any work, not from inside
		// the first octave.
		if err := c.CheckTaps(cfg.Layer); err != nil {
			return nil, fmt.Errorf("dream: Config.Layer: %w", err)
		}
	}
	if x == nil || x.Dim() != 4 || x.Shape[0] != 1 || x.Shape[1] != 3 || x.Shape[2] < 1 || x.Shape[3] < 1 {
		var shape []int
		if x != nil {
			shape = x.Shape
		}
		return nil, fmt.Errorf("dream: input must be a [1,3,H,W] tensor, got shape %v", shape)
	}
	sizes := OctaveSizes(x.Shape[2], x.Shape[3], cfg.Octaves, cfg.OctaveScale)
	bases := pyramid(x.Clone(), sizes)
	var tap Size
	switch {
	case cfg.Neuron != nil:
		// The position is checked on the tap of the full-size image.
		shape, err := tapShape(m, bases[0], cfg.Layer)
		if err != nil {
			return nil, err
		}
		if err := channelsInRange(cfg.Layer, shape[1], cfg.Channels); err != nil {
			return nil, err
		}
		tap = Size{shape[2], shape[3]}
		if p := *cfg.Neuron; p.X >= tap.W || p.Y >= tap.H {
			return nil, fmt.Errorf("dream: neuron position (x=%d, y=%d) out of range: tap %q has %d rows and %d columns (y 0..%d, x 0..%d) for a %dx%d (HxW) input",
				p.X, p.Y, cfg.Layer, tap.H, tap.W, tap.H-1, tap.W-1, x.Shape[2], x.Shape[3])
		}
	case len(cfg.Channels) > 0:
		if err := checkChannels(m, bases[len(bases)-1], cfg.Layer, cfg.Channels); err != nil {
			return nil, err
		}
	}
	d := &dreamer{m: m, cfg: cfg, obj: cfg.objective(tap), rng: rand.New(rand.NewPCG(cfg.Seed, 0xd7ea3))}
	d.lo, d.hi = bounds(cfg.Mean, cfg.Std)
	progress := cfg.Progress
	if progress != nil {
		progress = func(p Progress) {
			p.Layer = cfg.Layer
			cfg.Progress(p)
		}
	}
	cur, stats, err := ascend(bases, sizes, cfg.Steps, d.step, progress)
	if err != nil {
		return nil, err
	}
	res := &Result{Octaves: stats, Steps: len(stats) * cfg.Steps}
	for _, st := range stats {
		res.ZeroGradSteps += st.ZeroGradSteps
	}
	// The full-size octave is x itself: with no change at all, the result
	// is x bit for bit (x + 0).
	res.Tensor = cur
	img, err := TensorToImage(cur, 0, cfg.Mean, cfg.Std)
	if err != nil {
		return nil, err
	}
	res.Image = img
	return res, nil
}

// checkChannels rejects channels the tap does not have, before any step,
// with an error naming the tap and its channel count.
func checkChannels(m Model, x *nn.Tensor, layer string, channels []int) error {
	c, err := tapChannels(m, x, layer)
	if err != nil {
		return err
	}
	return channelsInRange(layer, c, channels)
}

// channelsInRange rejects channels outside [0, c) of a tap with c channels.
func channelsInRange(layer string, c int, channels []int) error {
	for _, ch := range channels {
		if ch < 0 || ch >= c {
			return fmt.Errorf("dream: channel %d out of range: tap %q has %d channels (0..%d)", ch, layer, c, c-1)
		}
	}
	return nil
}

// tapChannels runs x to the tap and returns its number of channels.
func tapChannels(m Model, x *nn.Tensor, layer string) (int, error) {
	shape, err := tapShape(m, x, layer)
	if err != nil {
		return 0, err
	}
	return shape[1], nil
}

// tapShape runs x to the tap and returns the [N,C,H,W] shape of its output.
func tapShape(m Model, x *nn.Tensor, layer string) ([]int, error) {
	r, err := m.Gradient(x, resnet.GradRequest{Tap: layer, Objective: resnet.MeanObjective()})
	if err != nil {
		return nil, fmt.Errorf("dream: %w", err)
	}
	if r == nil || r.TapOutput == nil || r.TapOutput.Dim() != 4 {
		return nil, fmt.Errorf("dream: tap %q is not a 4-D (NCHW) feature map", layer)
	}
	return r.TapOutput.Shape, nil
}

// NumChannels returns the number of channels of a tap of m (for example
// 128 for ResNet18's "layer2"), found by running a small gray image.
func NumChannels(m Model, layer string) (int, error) {
	return tapChannels(m, nn.New(1, 3, 32, 32), layer)
}

// dreamer holds the state of one run.
type dreamer struct {
	m      Model
	cfg    Config
	obj    resnet.Objective
	rng    *rand.Rand
	lo, hi [3]float32
}

// step runs one jittered, normalised gradient-ascent step on x in place
// and returns the objective before the step and whether x moved.
func (d *dreamer) step(x *nn.Tensor) (float32, bool, error) {
	var dy, dx int
	if j := d.cfg.Jitter; j > 0 {
		dy, dx = d.rng.IntN(2*j+1)-j, d.rng.IntN(2*j+1)-j
	}
	g, v, err := d.gradient(roll(x, dy, dx))
	if err != nil {
		return 0, false, err
	}
	if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
		// C16: a NaN or infinite objective stops the ascent, as a NaN
		// gradient does, even if the gradient came out finite.
		return 0, false, fmt.Errorf("dream: the objective is %v; the ascent stops", v)
	}
	g = roll(g, -dy, -dx)
	smooth(g, d.cfg.Smooth)
	if d.cfg.Decorrelate {
		decorrelate(g)
	}
	moved, err := AscentStep(x.Data, g.Data, d.cfg.LR)
	if err != nil {
		return 0, false, err
	}
	if moved {
		clip(x, d.lo, d.hi)
	}
	return v, moved, nil
}
