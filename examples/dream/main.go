// Command dream runs DeepDream on a photo with a ResNet: gradient ascent on
// the output of one or more layers (taps), over an image pyramid.
//
//	go run ./examples/dream -weights resnet18_seedlings.pth -classes 12 \
//	    -image leaf.png -layer layer2,layer3,layer4 -out dream.png
//	go run ./examples/dream -model out/model.safetensors -mode channels -layer layer3 -out tiles.png
//	go run ./examples/dream -mode neuron -layer layer3 -channel 7 -at 6,6 -out neuron.png
//
// With one layer the output is the dreamed picture; with several, the
// original and one dream per layer side by side, captioned (the "stage 2,
// 3, 4" figure). -channel restricts the objective to some channels of the
// layer. -mode channels draws, instead, one tile per channel of the layer,
// each maximised from noise (the image is not used); -mode neuron draws
// what one neuron responds to: one -channel at one position -at of the
// layer's output (default its centre), maximised from noise (Lucid's
// neuron objective). Without -image the
// photo is a Charlock seedling of the bundled data/seedlings-mini, found
// from any folder of the repository. -json prints, on stdout, one object
// with the output path and the objective of each layer (each channel in
// channels mode) at the first and the last step.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/dream"
	"github.com/seedling-ml/seedling/examples/internal/bundled"
	"github.com/seedling-ml/seedling/examples/internal/cli"
	"github.com/seedling-ml/seedling/examples/internal/modelflags"
	"github.com/seedling-ml/seedling/examples/internal/outfile"
)

// listFlag collects a repeatable, comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, cli.ErrorLine("dream", err))
		os.Exit(1)
	}
}

// objectiveReport is the objective of one dream (one layer, or one
// channel in channels mode) at its first and its last step.
type objectiveReport struct {
	Layer string `json:"layer"`
	// Channel is the channel drawn (channels mode only).
	Channel *int `json:"channel,omitempty"`
	// First is the objective before the first step (smallest octave), Last
	// before the last step (largest octave); both 0 when Steps is 0.
	First float32 `json:"first"`
	Last  float32 `json:"last"`
	// Steps is the number of steps run over all octaves.
	Steps   int    `json:"steps"`
	Warning string `json:"warning,omitempty"`
}

// jsonReport is what -json prints on stdout.
type jsonReport struct {
	Mode       string            `json:"mode"`
	Out        string            `json:"out"`
	Objective  string            `json:"objective"`
	Objectives []objectiveReport `json:"objectives"`
}

// summarise reads the first and last objective of a finished dream.
func summarise(layer string, r *dream.Result) objectiveReport {
	o := objectiveReport{Layer: layer, Steps: r.Steps, Warning: r.Warning()}
	for _, oct := range r.Octaves {
		if len(oct.Objective) > 0 {
			o.First = oct.Objective[0]
			break
		}
	}
	for i := len(r.Octaves) - 1; i >= 0; i-- {
		if obj := r.Octaves[i].Objective; len(obj) > 0 {
			o.Last = obj[len(obj)-1]
			break
		}
	}
	return o
}

// run parses args, dreams and writes the PNG; progress goes to stderr and
// the name of the written file to stdout, or with -json the report.
func run(args []string, stdout, stderr io.Writer) error {
	return flagError(runDream(args, stdout, stderr))
}

// configFlags names the flag of each dream.Config field the flags set.
var configFlags = map[string]string{
	"Steps": "steps", "LR": "lr", "Octaves": "octaves", "OctaveScale": "octave-scale",
	"Jitter": "jitter", "Smooth": "smooth", "TileSize": "tile-size",
}

// flagError rewrites a Config field the package refused as the flag that
// set it ("-octaves 0: must be >= 1"); other errors pass unchanged.
func flagError(err error) error {
	var fe *dream.FieldError
	if errors.As(err, &fe) {
		if name, ok := configFlags[fe.Field]; ok {
			return fmt.Errorf("-%s %v: %s", name, fe.Got, fe.Want)
		}
	}
	return err
}

// runDream is run before flagError.
func runDream(args []string, stdout, stderr io.Writer) error {
	def := dream.DefaultConfig()
	chDef := dream.DefaultChannelConfig()
	nDef := dream.DefaultNeuronConfig()
	fs := flag.NewFlagSet("dream", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := modelflags.Register(fs)
	var layers, channels listFlag
	mode := fs.String("mode", "dream", "dream (on -image), channels (one tile per channel, from noise) or neuron (one -channel at one position -at, from noise)")
	imagePath := fs.String("image", "", "photo to dream on (default: "+bundled.Rel+"/"+bundled.SampleImage+", found from any folder of the repository)")
	fs.Var(&layers, "layer", "tap(s) to maximise, repeatable or comma-separated (default "+def.Layer+")")
	fs.Var(&channels, "channel", "channel(s) of the layer, repeatable or comma-separated (dream default: all; channels mode default: the first 16)")
	objective := fs.String("objective", "", "mean-square or mean (default: mean-square for dream, mean for channels)")
	// The mode-dependent flags below have zero defaults, which -h does not
	// print: only flags given on the command line override the mode's
	// defaults, named in each usage text.
	octaves := fs.Int("octaves", 0, fmt.Sprintf("number of octaves of the image pyramid (default %d)", def.Octaves))
	scale := fs.Float64("octave-scale", def.OctaveScale, "size ratio between octaves")
	steps := fs.Int("steps", 0, fmt.Sprintf("gradient-ascent steps per octave (default %d for dream, %d for channels)", def.Steps, chDef.Steps))
	lr := fs.Float64("lr", 0, fmt.Sprintf("step size in standard deviations of the normalised image (default %v for dream, %v for channels)", def.LR, chDef.LR))
	jitter := fs.Int("jitter", 0, fmt.Sprintf("largest random shift in pixels, 0 for none (default %d for dream, %d for channels, %d for neuron)", def.Jitter, chDef.Jitter, nDef.Jitter))
	smooth := fs.Float64("smooth", 0, fmt.Sprintf("Gaussian blur of the gradient, sigma in pixels, 0 for none (default %v for dream, %v for channels)", def.Smooth, chDef.Smooth))
	decorrelate := fs.Bool("decorrelate", def.Decorrelate, "precondition the gradient with natural-image colour correlations (less colour noise)")
	tile := fs.Int("tile-size", def.TileSize, "largest side given to the network at once (0: never tile)")
	seed := fs.Uint64("seed", def.Seed, "random seed (jitter, and the noise of -mode channels)")
	at := fs.String("at", "", "neuron mode: column,row of the neuron in the layer's output (default: its centre)")
	size := fs.Int("size", 224, "dream: shorter side resized to this, then centre-cropped square (0: keep the photo's size); channels: tile side; neuron: picture side")
	cols := fs.Int("cols", 0, "channels mode: tiles per row (0: about square)")
	out := fs.String("out", "dream.png", "output PNG")
	asJSON := fs.Bool("json", false, "write one JSON object to stdout: the output path and, per layer (per channel in channels mode), the objective at the first and the last step")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	cfg := def
	switch *mode {
	case "channels":
		cfg = chDef
	case "neuron":
		cfg = nDef
	case "dream":
	default:
		return fmt.Errorf("-mode %q: want dream, channels or neuron", *mode)
	}
	if err := outfile.CheckDir("out", *out); err != nil {
		return err
	}
	if *at != "" {
		if *mode != "neuron" {
			return fmt.Errorf("-at is for -mode neuron")
		}
		p, err := parsePoint(*at)
		if err != nil {
			return fmt.Errorf("-at %q: %w", *at, err)
		}
		cfg.Neuron = &p
	}
	if len(layers) == 0 {
		layers = listFlag{def.Layer}
	}
	var chs []int
	for _, c := range channels {
		ch, err := strconv.Atoi(c)
		if err != nil {
			return fmt.Errorf("-channel %q: not a channel number", c)
		}
		chs = append(chs, ch)
	}
	switch *objective {
	case "":
	case dream.MeanSquare.String():
		cfg.Objective = dream.MeanSquare
	case dream.Mean.String():
		cfg.Objective = dream.Mean
	default:
		return fmt.Errorf("-objective %q: want mean-square or mean", *objective)
	}
	// Flags left unset keep the mode's defaults; flags given are used as
	// given, so a bad value is an error from the dream package, not a
	// silent default.
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if given["octaves"] {
		cfg.Octaves = *octaves
	}
	if given["steps"] {
		cfg.Steps = *steps
	}
	if given["lr"] {
		cfg.LR = float32(*lr)
	}
	if given["jitter"] {
		cfg.Jitter = *jitter
	}
	if given["smooth"] {
		cfg.Smooth = *smooth
	}
	cfg.OctaveScale, cfg.TileSize, cfg.Seed, cfg.Decorrelate = *scale, *tile, *seed, *decorrelate
	if *size < 0 || (*mode != "dream" && *size == 0) {
		return fmt.Errorf("-size %d: must be positive (or 0 to keep the photo's size in dream mode)", *size)
	}
	if *mode != "dream" && len(layers) != 1 {
		return fmt.Errorf("-mode %s takes one -layer, got %d", *mode, len(layers))
	}
	if *mode == "neuron" && len(chs) != 1 {
		return fmt.Errorf("-mode neuron takes exactly one -channel, got %d", len(chs))
	}

	m, meta, err := model.Load()
	if err != nil {
		return err
	}
	cfg.Mean, cfg.Std = meta.Mean, meta.Std
	if err := m.CheckTaps(layers...); err != nil {
		return fmt.Errorf("-layer: %w", err)
	}

	rep := jsonReport{Mode: *mode, Out: *out, Objective: cfg.Objective.String()}
	var result image.Image
	switch *mode {
	case "neuron":
		cfg.Layer, cfg.Channels = layers[0], chs
		res, err := dream.Neuron(m, *size, cfg)
		if err != nil {
			return err
		}
		o := summarise(cfg.Layer, res)
		o.Channel = &chs[0]
		rep.Objectives = append(rep.Objectives, o)
		if w := res.Warning(); w != "" {
			fmt.Fprintf(stderr, "%s: warning: %s\n", cfg.Layer, w)
		}
		fmt.Fprintf(stderr, "%s channel %d neuron: objective %.4g -> %.4g\n", cfg.Layer, chs[0], o.First, o.Last)
		result = res.Image
	case "channels":
		cfg.Layer = layers[0]
		result, err = dream.ChannelTiles(m, chs, *size, *cols, cfg, func(ch int, r *dream.Result) {
			o := summarise(cfg.Layer, r)
			o.Channel = &ch
			rep.Objectives = append(rep.Objectives, o)
			fmt.Fprintf(stderr, "%s channel %d: objective %.4g\n", cfg.Layer, ch, o.Last)
		})
		if err != nil {
			return err
		}
	default:
		cfg.Channels = chs
		if *imagePath == "" {
			if *imagePath, err = bundled.Path(bundled.SampleImage); err != nil {
				return fmt.Errorf("no -image given, and %w", err)
			}
		}
		img, err := loadImage(*imagePath, *size)
		if err != nil {
			return err
		}
		x, err := dream.ImageToTensor(img, cfg.Mean, cfg.Std)
		if err != nil {
			return err
		}
		cfg.Progress = func(p dream.Progress) {
			fmt.Fprintf(stderr, "%s: octave %d/%d %dx%d objective %.4g -> %.4g\n",
				p.Layer, p.Octave, p.Octaves, p.Width, p.Height, p.First, p.Last)
		}
		results, err := dream.DreamLayers(m, x, layers, cfg)
		if err != nil {
			return err
		}
		panels, captions := []image.Image{img}, []string{"original"}
		for i, res := range results {
			cfg.Layer = layers[i]
			if w := res.Warning(); w != "" {
				fmt.Fprintf(stderr, "%s: warning: %s\n", cfg.Layer, w)
			}
			rep.Objectives = append(rep.Objectives, summarise(cfg.Layer, res))
			panels, captions = append(panels, res.Image), append(captions, dream.Caption(cfg))
		}
		result = panels[1]
		if len(layers) > 1 {
			result = dream.Figure(panels, captions)
		}
	}
	if err := dataset.SavePNG(*out, result); err != nil {
		return err
	}
	if *asJSON {
		fmt.Fprintln(stderr, "wrote", *out)
		return json.NewEncoder(stdout).Encode(rep)
	}
	fmt.Fprintln(stdout, "wrote", *out)
	return nil
}

// parsePoint parses "x,y" (two non-negative integers).
func parsePoint(s string) (image.Point, error) {
	xs, ys, ok := strings.Cut(s, ",")
	if !ok {
		return image.Point{}, fmt.Errorf("want column,row")
	}
	x, errX := strconv.Atoi(strings.TrimSpace(xs))
	y, errY := strconv.Atoi(strings.TrimSpace(ys))
	if errX != nil || errY != nil || x < 0 || y < 0 {
		return image.Point{}, fmt.Errorf("want two non-negative integers, column,row")
	}
	return image.Pt(x, y), nil
}

// loadImage decodes path and, when size > 0, resizes its shorter side to
// size and crops the centre size x size.
func loadImage(path string, size int) (*image.RGBA, error) {
	img, err := dataset.DecodeFile(path, dataset.DecodeOptions{})
	if err != nil {
		return nil, err
	}
	if size == 0 {
		return img, nil
	}
	if img, err = (dataset.Resize{Size: size}).Apply(img, nil); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if img, err = (dataset.CenterCrop{Height: size, Width: size}).Apply(img, nil); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}
