// Package modelflags gives every example program the same model flags:
// -model FILE for a Seedling checkpoint, or -weights FILE -arch NAME
// -classes N for torchvision-format weights (.pth or safetensors).
package modelflags

import (
	"errors"
	"flag"
	"fmt"
	"strconv"

	"github.com/seedling-ml/seedling/resnet"
)

// Flags holds the parsed model flags.
type Flags struct {
	Model   string
	Weights string
	Arch    string
	Classes int
}

// Register adds -model, -weights, -arch and -classes to fs.
func Register(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	fs.StringVar(&f.Model, "model", "", "Seedling checkpoint (model.safetensors written by finetune)")
	fs.StringVar(&f.Weights, "weights", "", "torchvision-format weights (.pth or .safetensors), e.g. resnet18-f37072fd.pth")
	fs.StringVar(&f.Arch, "arch", "", "architecture of -weights: resnet18, resnet34 or resnet50 (default: inferred from the weights' names); with -model, checked against the checkpoint's")
	fs.IntVar(&f.Classes, "classes", 0, "number of classes of -weights (0: read from fc.weight)")
	return f
}

// Check reports a missing model or both kinds given, naming the flags, so
// that a program can say so before it announces any work.
func (f *Flags) Check() error {
	switch {
	case f.Model == "" && f.Weights == "":
		return errors.New("-model or -weights is required (a model.safetensors written by finetune, or torchvision-format weights)")
	case f.Model != "" && f.Weights != "":
		return fmt.Errorf("-model %s and -weights %s: give one, not both", f.Model, f.Weights)
	}
	return nil
}

// Load builds the model the flags describe, in eval mode, with its metadata.
func (f *Flags) Load() (*resnet.ResNet, *resnet.Meta, error) {
	if err := f.Check(); err != nil {
		return nil, nil, err
	}
	return resnet.Load(resnet.Source{Model: f.Model, Weights: f.Weights, Arch: resnet.Arch(f.Arch), Classes: f.Classes})
}

// NumericNames reports whether names are the placeholders "0", "1", ...
// that torchvision weights get for want of class names
// (resnet.DefaultMeta), so that a program may take the names from an
// ImageFolder tree instead.
func NumericNames(names []string) bool {
	for i, n := range names {
		if n != strconv.Itoa(i) {
			return false
		}
	}
	return len(names) > 0
}
