package dream

import (
	"fmt"
	"image"
	"math"
	"strings"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// Objective says which function of the tap's output is maximised.
type Objective int

const (
	// MeanSquare maximises the mean of the squared activations (the "L2"
	// objective of the original DeepDream notebook). It strengthens what
	// already responds most and gives the clearest patterns on stage
	// outputs. This is the default.
	MeanSquare Objective = iota
	// Mean maximises the mean activation.
	Mean
)

// String names the objective ("mean-square" or "mean").
func (o Objective) String() string {
	switch o {
	case MeanSquare:
		return "mean-square"
	case Mean:
		return "mean"
	}
	return fmt.Sprintf("Objective(%d)", int(o))
}

// Progress is reported after each octave to Config.Progress.
type Progress struct {
	Layer           string  // the tap being dreamed on (Config.Layer)
	Octave, Octaves int     // 1-based index of the finished octave (smallest first) and their number
	Height, Width   int     // size of the octave in pixels
	First, Last     float32 // objective at the first and the last step of the octave (0 with no steps)
	ZeroGradSteps   int     // steps of this octave whose gradient was exactly zero
}

// Config holds the knobs of Dream and Channel. Start from DefaultConfig
// (or DefaultChannelConfig) and change what you need: the zero value is not
// usable (it has no layer, no learning rate and no normalisation).
type Config struct {
	// Layer is the tap whose output is maximised: a stage ("layer3"), a
	// unit ("layer2.1") or anything else resnet's TapNames lists.
	// Default "layer3".
	Layer string
	// Channels, when not empty, restricts the objective to these channels
	// of the tap. Default: all channels.
	Channels []int
	// Neuron, when not nil, restricts the objective further to one neuron:
	// the activation of the single channel in Channels at column Neuron.X,
	// row Neuron.Y of the tap's output for the full-size image (Lucid's
	// neuron objective). Smaller octaves, whose tap is smaller, use the
	// same relative place: row (2Y+1)h/(2H) of a tap of h rows instead of
	// H, and likewise for columns. The image is then never tiled (a tile
	// would have its own tap), and Objective applies to that one value:
	// Mean maximises the activation, MeanSquare its square. A position
	// outside the tap is an error. Default nil: every position. Neuron
	// (the function) sets it to the centre of the tap.
	Neuron *image.Point
	// Objective is the function of the (selected) activations that is
	// maximised. Default MeanSquare.
	Objective Objective
	// Steps is the number of gradient-ascent steps per octave. 0 leaves
	// the image as it is. Default 10.
	Steps int
	// LR is the step size: each step adds LR * g / (mean|g| + 1e-8) to the
	// normalised image, so an average pixel moves by LR standard
	// deviations. Default 0.05.
	LR float32
	// Octaves is the number of scales of the image pyramid, the full size
	// included. Default 4.
	Octaves int
	// OctaveScale is the ratio between the sizes of successive octaves
	// (> 1 when Octaves > 1). Default 1.4.
	OctaveScale float64
	// Jitter is the largest random circular shift, in pixels along each
	// axis, applied before each gradient and undone after (it hides the
	// network's stride grid). 0 disables it. Default 16.
	Jitter int
	// Smooth is the standard deviation, in pixels, of the Gaussian
	// smoothing of the gradient before each step: the gradient is replaced
	// by the mean of its blurs at Smooth/2, Smooth and 2*Smooth, which
	// removes the pixel-level colour noise (0 disables it). Default 1.
	Smooth float64
	// Decorrelate, when true, preconditions the gradient with the colour
	// correlation of natural images (as Lucid's decorrelated colour
	// space): updates move mostly the brightness, which removes the
	// per-pixel rainbow noise that plain ascent gives on ResNets and lets
	// shapes and textures appear. Default true.
	Decorrelate bool
	// TileSize is the largest side, in pixels, of the piece of image given
	// to the network at once: larger octaves are cut into tiles of about
	// this size whose gradients are computed one by one (0 never tiles;
	// ignored with Neuron). Default 512.
	TileSize int
	// Seed seeds the jitter (and, for Channel, the starting noise): a run
	// is deterministic for a seed. Default 1.
	Seed uint64
	// Mean and Std are the per-channel normalisation of the network's input
	// (RGB, values in [0,1]). Default resnet.ImageNetMean and ImageNetStd.
	Mean, Std [3]float32
	// Progress, when not nil, is called after each octave.
	Progress func(Progress)
}

// DefaultConfig returns the settings that give clear pictures on the
// stage outputs of an ImageNet-trained or fine-tuned ResNet18 ("layer2",
// "layer3", "layer4") at 224x224 without tuning.
func DefaultConfig() Config {
	return Config{
		Layer:       "layer3",
		Objective:   MeanSquare,
		Steps:       10,
		LR:          0.05,
		Octaves:     4,
		OctaveScale: 1.4,
		Jitter:      16,
		Smooth:      1,
		Decorrelate: true,
		TileSize:    512,
		Seed:        1,
		Mean:        resnet.ImageNetMean,
		Std:         resnet.ImageNetStd,
	}
}

// FieldError is a Config field whose value cannot run, so that a program
// can name its own flag for the field.
type FieldError struct {
	Field string // the Config field, e.g. "Octaves"
	Want  string // what the value must be, e.g. "must be >= 1"
	Got   any    // the value given
}

// Error says which field, what it must be and what it was.
func (e *FieldError) Error() string {
	return fmt.Sprintf("dream: %s %s, got %v", e.Field, e.Want, e.Got)
}

// check rejects settings that cannot run; the numeric fields with a
// *FieldError.
func (c *Config) check() error {
	switch {
	case c.Layer == "":
		return fmt.Errorf("dream: no layer (tap) to maximise")
	case c.Steps < 0:
		return &FieldError{"Steps", "must be >= 0", c.Steps}
	case math.IsNaN(float64(c.LR)) || math.IsInf(float64(c.LR), 0) || c.LR < 0:
		return &FieldError{"LR", "must be a finite value >= 0", c.LR}
	case c.Octaves < 1:
		return &FieldError{"Octaves", "must be >= 1", c.Octaves}
	case c.Octaves > 1 && !(c.OctaveScale > 1) || math.IsInf(c.OctaveScale, 0):
		return &FieldError{"OctaveScale", fmt.Sprintf("must be a finite value > 1 with %d octaves", c.Octaves), c.OctaveScale}
	case c.Jitter < 0:
		return &FieldError{"Jitter", "must be >= 0", c.Jitter}
	case !(c.Smooth >= 0) || math.IsInf(c.Smooth, 0):
		return &FieldError{"Smooth", "must be a finite value >= 0", c.Smooth}
	case c.TileSize < 0:
		return &FieldError{"TileSize", "must be >= 0", c.TileSize}
	case c.Objective != Mean && c.Objective != MeanSquare:
		return fmt.Errorf("dream: unknown objective %v", c.Objective)
	}
	for i, s := range c.Std {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return fmt.Errorf("dream: Std[%d] must be a finite value > 0, got %v", i, s)
		}
	}
	for _, ch := range c.Channels {
		if ch < 0 {
			return fmt.Errorf("dream: channel %d is negative", ch)
		}
	}
	if p := c.Neuron; p != nil {
		if len(c.Channels) != 1 {
			return fmt.Errorf("dream: a neuron (x=%d, y=%d) of %q needs exactly one channel in Config.Channels, got %d", p.X, p.Y, c.Layer, len(c.Channels))
		}
		if p.X < 0 || p.Y < 0 {
			return fmt.Errorf("dream: neuron position (x=%d, y=%d) of %q is negative", p.X, p.Y, c.Layer)
		}
	}
	return nil
}

// objective turns the configuration into the function resnet
// differentiates. With Neuron it needs tap, the size of the tap's output
// for the full-size image.
func (c *Config) objective(tap Size) resnet.Objective {
	if c.Neuron != nil {
		return neuronObjective(c.Channels[0], *c.Neuron, tap, c.Objective)
	}
	chs := append([]int(nil), c.Channels...)
	switch {
	case len(chs) == 0 && c.Objective == Mean:
		return resnet.MeanObjective()
	case len(chs) == 0:
		return resnet.MeanSquareObjective()
	case c.Objective == Mean:
		return resnet.ChannelObjective(chs...)
	}
	sq := resnet.MeanSquareObjective()
	return func(t *nn.Tensor) *nn.Tensor { return sq(nn.Channels(t, chs)) }
}

// neuronObjective is the activation (Mean) or its square (MeanSquare) of
// channel ch at column at.X, row at.Y of a tap whose output is full for
// the full-size image; a smaller tap of h x w is read at the same relative
// place, row (2*at.Y+1)*h/(2*full.H) and column (2*at.X+1)*w/(2*full.W),
// which is at itself at full size and the centre of every tap when at is
// the centre. With a batch, the values of the images are averaged.
func neuronObjective(ch int, at image.Point, full Size, obj Objective) resnet.Objective {
	return func(t *nn.Tensor) *nn.Tensor {
		n, h, w := t.Shape[0], t.Shape[2], t.Shape[3]
		y := min(h-1, (2*at.Y+1)*h/(2*full.H))
		x := min(w-1, (2*at.X+1)*w/(2*full.W))
		idx := make([]int, n)
		for i := range idx {
			idx[i] = y*w + x
		}
		v := nn.Gather(nn.Channels(t, []int{ch}).Reshape(n, h*w), idx)
		if obj == MeanSquare {
			v = nn.Mul(v, v)
		}
		return nn.Mean(v)
	}
}

// Caption describes a configuration in a few words for a figure:
// "layer3", "layer3 ch 5,9", "layer3 ch 5 at x=3,y=3" or "layer4 (mean)".
func Caption(c Config) string {
	s := c.Layer
	if len(c.Channels) > 0 {
		parts := make([]string, len(c.Channels))
		for i, ch := range c.Channels {
			parts[i] = fmt.Sprint(ch)
		}
		s += " ch " + strings.Join(parts, ",")
	}
	if p := c.Neuron; p != nil {
		s += fmt.Sprintf(" at x=%d,y=%d", p.X, p.Y)
	}
	if c.Objective != MeanSquare {
		s += " (" + c.Objective.String() + ")"
	}
	return s
}
