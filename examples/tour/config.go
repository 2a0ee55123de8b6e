package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/seedling-ml/seedling/examples/internal/bundled"
)

// config holds the tour's settings after flags and -quick are applied.
type config struct {
	Data    string `json:"data"`
	Weights string `json:"weights,omitempty"`
	Out     string `json:"-"`
	Quick   bool   `json:"quick"`
	Seed    uint64 `json:"seed"`

	// Training.
	Size      int     `json:"size"`
	Epochs    int     `json:"epochs"`
	Batch     int     `json:"batch"`
	Optimizer string  `json:"optimizer"`
	LR        float64 `json:"lr,omitempty"`

	// Pictures.
	MontagePerClass int      `json:"montage_per_class"`
	DreamSize       int      `json:"dream_size"`
	DreamSteps      int      `json:"dream_steps"`
	DreamOctaves    int      `json:"dream_octaves"`
	DreamLayers     []string `json:"dream_layers"`
	Units           []string `json:"units"`
	UnitChannels    int      `json:"unit_channels"`
	CAMSamples      int      `json:"cam_samples"`
	DisplaySize     int      `json:"display_size"`
}

// parseFlags reads the command line; unset sizes take the defaults of the
// chosen mode (normal or -quick).
func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("tour", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.Data, "data", "", "ImageFolder with train/ and val/ class folders (default: the bundled "+bundled.Rel+")")
	fs.StringVar(&c.Weights, "weights", "", "torchvision ResNet18 weights to fine-tune from, e.g. resnet18-f37072fd.pth (default: train from scratch)")
	fs.StringVar(&c.Out, "out", "", "output folder for the pictures, index.html and metrics.json (default out, -quick out-quick, so that a quick look never overwrites a full tour)")
	fs.BoolVar(&c.Quick, "quick", false, "smaller settings for a first look, about a tenth of the full tour's time")
	fs.IntVar(&c.Size, "size", 0, "training input size in pixels (default 112, -quick 64)")
	fs.IntVar(&c.Epochs, "epochs", 0, "training epochs (default 15, -quick 3)")
	fs.IntVar(&c.Batch, "batch", 16, "training batch size")
	fs.StringVar(&c.Optimizer, "optimizer", "adamw", "optimizer: adamw or sgd (momentum 0.9)")
	fs.Float64Var(&c.LR, "lr", 0, "peak learning rate (default: 1e-3 for adamw; sgd 0.05 from scratch, 0.01 fine-tuning)")
	fs.IntVar(&c.CAMSamples, "samples", 0, "validation samples shown with CAM and Grad-CAM (default 12, -quick 6)")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of the initialisation, the batches, the augmentation and the samples shown")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./examples/tour [flags]\n\nRuns the whole study on a data set and writes OUT/index.html.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q (all settings are flags; see -h)", fs.Args())
	}
	if c.Data == "" {
		dir, err := bundled.DataDir()
		if err != nil {
			return c, err
		}
		c.Data = dir
	}
	if st, err := os.Stat(filepath.Join(c.Data, "train")); err != nil || !st.IsDir() {
		return c, fmt.Errorf("-data %s: want a folder with train/ and val/ class folders", c.Data)
	}
	c.applyDefaults()
	switch {
	case c.Size < 32:
		return c, fmt.Errorf("-size %d is too small (at least 32 pixels)", c.Size)
	case c.Epochs < 1:
		return c, fmt.Errorf("-epochs %d must be at least 1", c.Epochs)
	case c.Batch < 2:
		return c, fmt.Errorf("-batch %d must be at least 2 (BatchNorm needs two images)", c.Batch)
	case c.CAMSamples < 1:
		return c, fmt.Errorf("-samples %d must be at least 1", c.CAMSamples)
	}
	return c, nil
}

// applyDefaults fills the settings the flags left at zero.
func (c *config) applyDefaults() {
	if c.Out == "" {
		c.Out = "out"
		if c.Quick {
			c.Out = "out-quick"
		}
	}
	setDefault := func(v *int, normal, quick int) {
		if *v == 0 {
			*v = normal
			if c.Quick {
				*v = quick
			}
		}
	}
	setDefault(&c.Size, 112, 64)
	setDefault(&c.Epochs, 15, 3)
	setDefault(&c.CAMSamples, 12, 6)
	setDefault(&c.MontagePerClass, 8, 6)
	setDefault(&c.DreamSize, 224, 128)
	setDefault(&c.DreamSteps, 10, 4)
	setDefault(&c.DreamOctaves, 4, 3)
	setDefault(&c.UnitChannels, 16, 8)
	setDefault(&c.DisplaySize, 160, 128)
	c.DreamLayers = []string{"layer2", "layer3", "layer4"}
	c.Units = []string{"layer2.1", "layer3.1"}
}
