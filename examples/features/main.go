// Command features draws the feature maps inside one residual unit of a
// ResNet for a photo: the unit's input, its mainstream (first conv after
// BN and ReLU, second conv after BN), its shortcut and its output, each as
// a grid of channels normalised one by one (the "mainstream vs shortcut"
// picture).
//
//	go run ./examples/features -weights resnet18_seedlings.pth -classes 12 \
//	    -unit layer2.1 -image leaf.png -out layer2.1.png
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/dream"
	"github.com/seedling-ml/seedling/examples/internal/modelflags"
)

// defaultImage is a Charlock seedling of the bundled subset (the path is
// relative to the repository root).
const defaultImage = "data/seedlings-mini/val/Charlock/104.png"

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "features:", err)
		os.Exit(1)
	}
}

// run parses args, draws the unit's features and writes the PNG.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("features", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := modelflags.Register(fs)
	unit := fs.String("unit", "layer2.1", "residual unit to open, e.g. layer1.0, layer2.1, layer4.1")
	imagePath := fs.String("image", defaultImage, "photo to run")
	size := fs.Int("size", 224, "shorter side resized to size*256/224, then a centre crop of size x size (eval preprocessing)")
	topK := fs.Int("top", 16, "channels per panel: the largest mean activations")
	channels := fs.String("channels", "", "comma-separated channels of the unit's output to show instead of the top ones")
	cols := fs.Int("cols", 8, "tiles per row")
	tile := fs.Int("tile", 56, "tile width in pixels")
	out := fs.String("out", "features.png", "output PNG")
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
	m, meta, err := model.Load()
	if err != nil {
		return err
	}
	opts.Mean, opts.Std = meta.Mean, meta.Std
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
	if err := dataset.SavePNG(*out, pic); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "wrote", *out)
	return nil
}
