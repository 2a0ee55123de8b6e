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
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/seedling-ml/seedling/cam"
	"github.com/seedling-ml/seedling/examples/internal/modelflags"
)

// config holds the parsed flags.
type config struct {
	model      *modelflags.Flags
	method     string
	layer      string
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
	stdout     io.Writer
}

// listFlag collects a flag given several times (and comma-free paths).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	cfg := config{model: modelflags.Register(flag.CommandLine), stdout: os.Stdout}
	var images listFlag
	flag.StringVar(&cfg.method, "method", "gradcam", "cam, gradcam, gradcam++, scorecam or saliency")
	flag.StringVar(&cfg.layer, "layer", "layer4", "tap to explain (any name of inspect -list; cam needs layer4)")
	flag.StringVar(&cfg.class, "class", "", "class to explain: a name or index, or a comma-separated list with one per image (default: predicted)")
	flag.Var(&images, "image", "image file (repeatable; more files may follow the flags); shorter side 256, centre crop 224")
	flag.StringVar(&cfg.input, "input", "", "safetensors file with a raw NCHW float32 tensor named x (instead of -image)")
	flag.StringVar(&cfg.data, "data", "", "image folder root/<class>/<file>: explain -samples samples and rank them")
	flag.IntVar(&cfg.samples, "samples", 16, "with -data: number of samples, spread over the classes")
	flag.Uint64Var(&cfg.seed, "seed", 1, "with -data: seed of the sample choice")
	flag.IntVar(&cfg.batch, "batch", 8, "images per forward/backward pass")
	flag.StringVar(&cfg.out, "out", "", "PNG to write: the overlay (one image), a grid (several), with -data also OUT_ranked.png")
	flag.StringVar(&cfg.saveMap, "save-map", "", "safetensors file for the normalised maps [N,H,W] (tensor \"map\")")
	flag.BoolVar(&cfg.json, "json", false, "print classes, probabilities and on-plant fractions as JSON on stdout")
	flag.StringVar(&cfg.colormap, "colormap", "jet", "jet or turbo")
	flag.Float64Var(&cfg.alpha, "alpha", 0.5, "weight of the heat map in the overlay, in [0,1]")
	flag.Float64Var(&cfg.exg, "exg", cam.DefaultExGThreshold, "excess-green threshold (2g-r-b on chromaticity) for plant pixels")
	flag.IntVar(&cfg.scoreBatch, "score-batch", 16, "scorecam: masked inputs per forward pass")
	flag.IntVar(&cfg.workers, "workers", 2, "scorecam: goroutines")
	flag.BoolVar(&cfg.showMask, "show-mask", false, "add the plant mask (white = plant pixels by -exg) to each sample of the grid")
	flag.Parse()
	cfg.images = append(images, flag.Args()...)
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "cam:", err)
		os.Exit(1)
	}
}
