// Command cam draws class activation maps (CAM, Grad-CAM, Grad-CAM++,
// Score-CAM, saliency) of a ResNet over its input images, and ranks samples
// by how little of the heat map falls on the plant, to find those where the
// network looks at the soil, the pot edge or a label.
//
//	go run ./examples/cam -weights resnet18_seedlings.pth -image Maize/115.png -out map.png
//	go run ./examples/cam -weights resnet18_seedlings.pth -method gradcam++ -layer layer3 \
//	    -image a.png -image b.png -class 7,3 -save-map maps.safetensors -json
//	go run ./examples/cam -model out/model.safetensors -data seedlings/val -samples 24 -out grid.png
//	go run ./examples/cam -weights resnet18_seedlings.pth -input x.safetensors -class 3,7
//	go run ./examples/cam -weights resnet18_seedlings.pth -json
//
// With none of -image, -input and -data it explains -samples samples of the
// val tree of the bundled data/seedlings-mini (found from any folder of the
// repository).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/seedling-ml/seedling/cam"
	"github.com/seedling-ml/seedling/examples/internal/bundled"
	"github.com/seedling-ml/seedling/examples/internal/cli"
	"github.com/seedling-ml/seedling/examples/internal/modelflags"
)

// config holds the parsed flags.
type config struct {
	model      *modelflags.Flags
	method     string
	layer      string
	layerSet   bool // -layer given on the command line
	class      string
	images     []string
	input      string
	data       string
	samples    int
	seed       uint64
	batch      int
	out        string
	saveMap    string
	json       bool
	colormap   string
	alpha      float64
	exg        float64
	scoreBatch int
	workers    int
	showMask   bool
	// stdout receives the text or -json report, stderr the messages (os.Stderr when nil).
	stdout, stderr io.Writer
}

// listFlag collects a flag given several times (and comma-free paths).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if err := runArgs(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, cli.ErrorLine("cam", err))
		os.Exit(1)
	}
}

// runArgs is the program: it parses the command line and explains.
func runArgs(args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stdout, stderr)
	if err != nil {
		return err
	}
	return run(cfg)
}

// parseFlags reads the command line on its own flag set into a config
// whose text and -json go to stdout and whose messages go to stderr (as do
// the usage and parse errors). Image files may follow the flags, after any
// -image flags. -h returns flag.ErrHelp.
func parseFlags(args []string, stdout, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("cam", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: cam -model FILE | -weights FILE [flags] [-image FILE ... | IMAGE ... | -input x.safetensors | -data DIR]")
		fmt.Fprintln(stderr, "  with none of -image, -input and -data: -data is the bundled "+bundled.Rel+"/val tree")
		fs.PrintDefaults()
	}
	cfg := config{model: modelflags.Register(fs), stdout: stdout, stderr: stderr}
	var images listFlag
	fs.StringVar(&cfg.method, "method", "gradcam", "cam, gradcam, gradcam++, scorecam or saliency")
	fs.StringVar(&cfg.layer, "layer", "layer4", "tap to explain (any name of inspect -list; cam needs layer4)")
	fs.StringVar(&cfg.class, "class", "", "class to explain: a name or index, or a comma-separated list with one per image (default: predicted)")
	fs.Var(&images, "image", "image file (repeatable; more files may follow the flags); shorter side 256, centre crop 224 (a checkpoint's own size and mean/std)")
	fs.StringVar(&cfg.input, "input", "", "safetensors file with a raw NCHW float32 tensor named x (instead of -image)")
	fs.StringVar(&cfg.data, "data", "", "image folder root/<class>/<file>: explain -samples samples and rank them (default, without -image and -input: the bundled val tree)")
	fs.IntVar(&cfg.samples, "samples", 16, "with -data: number of samples, spread over the classes")
	fs.Uint64Var(&cfg.seed, "seed", 1, "with -data: seed of the sample choice")
	fs.IntVar(&cfg.batch, "batch", 8, "images per forward/backward pass")
	fs.StringVar(&cfg.out, "out", "", "PNG to write: the overlay (one image), a grid (several), with -data also OUT_ranked.png")
	fs.StringVar(&cfg.saveMap, "save-map", "", "safetensors file for the normalised maps [N,H,W] (tensor \"map\")")
	fs.BoolVar(&cfg.json, "json", false, "print classes, probabilities and on-plant fractions as JSON on stdout")
	fs.StringVar(&cfg.colormap, "colormap", "jet", "jet or turbo")
	fs.Float64Var(&cfg.alpha, "alpha", 0.5, "weight of the heat map in the overlay, in [0,1]")
	fs.Float64Var(&cfg.exg, "exg", cam.DefaultExGThreshold, "excess-green threshold (2g-r-b on chromaticity) for plant pixels")
	fs.IntVar(&cfg.scoreBatch, "score-batch", 16, "scorecam: masked inputs per forward pass")
	fs.IntVar(&cfg.workers, "workers", 2, "scorecam: goroutines")
	fs.BoolVar(&cfg.showMask, "show-mask", false, "add the plant mask (white = plant pixels by -exg) to each sample of the grid")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	cfg.images = append(images, fs.Args()...)
	fs.Visit(func(f *flag.Flag) { cfg.layerSet = cfg.layerSet || f.Name == "layer" })
	return cfg, nil
}
