// Command features draws the feature maps inside one residual unit of a
// ResNet for a photo: the unit's input, its mainstream (first conv after
// BN and ReLU, second conv after BN), its shortcut and its output, each as
// a grid of channels normalised one by one (the "mainstream vs shortcut"
// picture).
//
//	go run ./examples/features -weights resnet18_seedlings.pth -classes 12 \
//	    -unit layer2.1 -image leaf.png -out layer2.1.png
//
// Without -image the photo is a Charlock seedling of the bundled
// data/seedlings-mini, found from any folder of the repository. -json
// prints, on stdout, the channels each panel shows and their mean
// activations on the photo.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
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
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// panelReport is one panel of -json.
type panelReport struct {
	// Panel is input, conv1, conv2 (conv3 for a bottleneck), shortcut or
	// output; Tap and Caption are those of dream.UnitPanels.
	Panel   string `json:"panel"`
	Tap     string `json:"tap"`
	Caption string `json:"caption"`
	// Channels are the channels shown, in the picture's order; Means their
	// mean activations over the tap's positions for the photo.
	Channels []int     `json:"channels"`
	Means    []float64 `json:"means"`
}

// jsonReport is what -json prints on stdout.
type jsonReport struct {
	Unit   string        `json:"unit"`
	Image  string        `json:"image"`
	Out    string        `json:"out"`
	Panels []panelReport `json:"panels"`
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, cli.ErrorLine("features", err))
		os.Exit(1)
	}
}

// run parses args, draws the unit's features and writes the PNG.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("features", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := modelflags.Register(fs)
	unit := fs.String("unit", "layer2.1", "residual unit to open, e.g. layer1.0, layer2.1, layer4.1")
	imagePath := fs.String("image", "", "photo to run (default: "+bundled.Rel+"/"+bundled.SampleImage+", found from any folder of the repository)")
	size := fs.Int("size", 224, "shorter side resized to size*256/224, then a centre crop of size x size (eval preprocessing)")
	topK := fs.Int("top", 16, "channels per panel: the largest mean activations")
	channels := fs.String("channels", "", "comma-separated channels of the unit's output to show instead of the top ones")
	cols := fs.Int("cols", 8, "tiles per row")
	tile := fs.Int("tile", 56, "tile width in pixels")
	out := fs.String("out", "features.png", "output PNG")
	asJSON := fs.Bool("json", false, "write one JSON object to stdout: per panel, the channels shown and their mean activations")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *size < 1 {
		return fmt.Errorf("-size %d must be positive", *size)
	}
	opts := dream.FeatureOptions{TopK: *topK, Cols: *cols, TileSize: *tile}
	for _, c := range strings.Split(*channels, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		ch, err := strconv.Atoi(c)
		if err != nil {
			return fmt.Errorf("-channels %q: %q is not a channel number", *channels, c)
		}
		opts.Channels = append(opts.Channels, ch)
	}
	if err := outfile.CheckDir("out", *out); err != nil {
		return err
	}
	m, meta, err := model.Load()
	if err != nil {
		return err
	}
	opts.Mean, opts.Std = meta.Mean, meta.Std
	if c, err := dream.NumChannels(m, *unit); err == nil && len(opts.Channels) > 0 {
		// Checked before any image is read, naming the flag (a bad -unit
		// is left to UnitFeatures, which says which units there are).
		for _, ch := range opts.Channels {
			if ch < 0 || ch >= c {
				return fmt.Errorf("-channels %d: out of range: %s has %d channels (0..%d)", ch, *unit, c, c-1)
			}
		}
	}
	if *imagePath == "" {
		if *imagePath, err = bundled.Path(bundled.SampleImage); err != nil {
			return fmt.Errorf("no -image given, and %w", err)
		}
	}
	img, err := dataset.DecodeFile(*imagePath, dataset.DecodeOptions{})
	if err != nil {
		return err
	}
	if img, err = (dataset.Resize{Size: *size * 256 / 224}).Apply(img, nil); err == nil {
		img, err = (dataset.CenterCrop{Height: *size, Width: *size}).Apply(img, nil)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", *imagePath, err)
	}
	x, err := dream.ImageToTensor(img, meta.Mean, meta.Std)
	if err != nil {
		return err
	}
	pic, err := dream.UnitFeatures(m, x, *unit, opts)
	if err != nil {
		return err
	}
	var panels []panelReport
	if *asJSON {
		// Before writing, so that a failure leaves no picture behind.
		if panels, err = describe(m, x, *unit, opts); err != nil {
			return err
		}
	}
	if err := dataset.SavePNG(*out, pic); err != nil {
		return err
	}
	if *asJSON {
		fmt.Fprintln(stderr, "wrote", *out)
		return json.NewEncoder(stdout).Encode(jsonReport{Unit: *unit, Image: *imagePath, Out: *out, Panels: panels})
	}
	fmt.Fprintln(stdout, "wrote", *out)
	return nil
}

// describe lists, per panel of the unit, the channels dream.UnitFeatures
// shows with opts and their mean activations.
func describe(m *resnet.ResNet, x *nn.Tensor, unit string, opts dream.FeatureOptions) ([]panelReport, error) {
	maps, err := dream.UnitFeatureMaps(m, x, unit, opts)
	if err != nil {
		return nil, err
	}
	rep := make([]panelReport, len(maps))
	for i, f := range maps {
		var name string
		switch i {
		case 0:
			name = "input"
		case len(maps) - 2:
			name = "shortcut"
		case len(maps) - 1:
			name = "output"
		default:
			name = fmt.Sprintf("conv%d", i)
		}
		rep[i] = panelReport{Panel: name, Tap: f.Tap, Caption: f.Caption, Channels: f.Channels, Means: f.Means}
	}
	return rep, nil
}
