package train

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/seedling-ml/seedling/resnet"
)

// Optimizer names accepted by Config.Optimizer.
const (
	// SGD is stochastic gradient descent with momentum 0.9, as in
	// torchvision's fine-tuning tutorial and its ImageNet reference recipe.
	SGD = "sgd"
	// AdamW is AdamW with PyTorch's betas (0.9, 0.999).
	AdamW = "adamw"
)

// BNMode says whether BatchNorm layers use batch statistics while training.
type BNMode string

// BatchNorm modes.
const (
	// BNAuto (the zero value) freezes BatchNorm when fine-tuning from
	// weights with batches smaller than SmallBatch, or with a frozen
	// backbone, and trains it otherwise.
	BNAuto BNMode = ""
	// BNFrozen keeps every BatchNorm on its running statistics (they are
	// not updated); BN weights and biases still train unless the backbone
	// is frozen.
	BNFrozen BNMode = "frozen"
	// BNTrain uses batch statistics and updates the running ones, as
	// PyTorch's model.train() does.
	BNTrain BNMode = "train"
)

// SmallBatch is the batch size below which BNAuto freezes BatchNorm when
// fine-tuning: the statistics of fewer images are too noisy to replace
// ImageNet's.
const SmallBatch = 16

// Config describes a training run. The zero value of every field but Data
// is a documented default, so Config{Data: "seedlings"} is a complete
// from-scratch run. On resume the saved configuration is used, except for
// the fields marked "not saved".
type Config struct {
	// Data is an ImageFolder root: either a folder with train/ and val/
	// sub-folders, or one folder of class folders (or one with only
	// train/), which is split by Seed into ValFraction validation images
	// per class. Required.
	Data string
	// ValFraction is the fraction of each class held out for validation
	// when Data has no val/ folder (default 0.2).
	ValFraction float64
	// Weights is a torchvision state dict (.pth or safetensors) to start
	// from; its fc layer is not loaded (the head is new, sized for the
	// classes of Data). Empty means training from scratch.
	Weights string
	// Arch is the architecture (default resnet18).
	Arch resnet.Arch
	// InputSize is the side of the square training crop in pixels (default
	// 224, torchvision's). Validation resizes the shorter side to
	// InputSize*256/224 and centre-crops InputSize.
	InputSize int
	// Epochs is the number of passes over the training set (default 10).
	// On resume, 0 keeps the saved value; bit-identical resumption needs
	// the same value as the interrupted run (the schedule depends on it).
	Epochs int
	// BatchSize is the number of images per step (default 32).
	BatchSize int
	// Optimizer is SGD (the default: momentum 0.9, as torchvision's
	// fine-tuning tutorial uses) or AdamW. Either runs with a linear
	// warm-up of one epoch (at most a tenth of the run) from a tenth of
	// LR, then cosine annealing to 0.
	Optimizer string
	// LR is the peak learning rate. Default for SGD: 0.01 when fine-tuning
	// (the tutorial's 0.001 at batch 4, scaled to batch 32) and 0.05 from
	// scratch; for AdamW: 1e-3.
	LR float64
	// BackboneLRScale multiplies LR for every parameter but fc's (default
	// 1, the same rate everywhere as in the tutorial; 0.1 is a common
	// choice for a pre-trained backbone).
	BackboneLRScale float64
	// WeightDecay is the L2 penalty (SGD) or decoupled decay (AdamW);
	// 0 means the default (1e-4 for SGD, 1e-2 for AdamW) and a negative
	// value means none.
	WeightDecay float64
	// FreezeBackbone trains only fc; every other parameter is frozen and
	// BatchNorm uses its running statistics (a fixed feature extractor).
	FreezeBackbone bool
	// FreezeBN chooses the BatchNorm behaviour (default BNAuto).
	FreezeBN BNMode
	// LabelSmoothing is the cross-entropy label smoothing in [0, 1)
	// (default 0).
	LabelSmoothing float64
	// ClipNorm clips the global gradient norm to this value (default 0:
	// no clipping).
	ClipNorm float64
	// FailOnBadFiles stops the run before training when any image of the
	// data cannot be decoded, listing every such file. By default (false)
	// they are left out and listed as warnings. Not saved: a resumed run
	// uses the value given to it.
	FailOnBadFiles bool
	// DropLast leaves out the last, smaller training batch of each epoch.
	// A last batch of a single image is always left out while BatchNorm
	// trains, since batch statistics of one image are undefined at the
	// last stage.
	DropLast bool
	// Seed fixes the initialisation, the train/val split, the sample order
	// and every augmentation: the batches of epoch e depend only on
	// (Seed, e).
	Seed uint64
	// Out is the folder for model.safetensors, metrics.json, curves.png
	// and confusion.png (default: Resume when resuming, else
	// "runs/train"). Not saved.
	Out string
	// Resume is a folder written by an earlier run (its model.safetensors)
	// to continue from. Not saved.
	Resume string
	// Overwrite lets a new run (no Resume) replace the checkpoint of an
	// earlier run found in Out; without it that is an error, so that a
	// second run with the same Out never destroys the first one's model.
	// Not saved.
	Overwrite bool
	// Workers is the number of goroutines decoding and augmenting images
	// (default GOMAXPROCS). It does not change the result. Not saved.
	Workers int
	// CacheMB is the memory for decoded images, in MiB (default 1024);
	// negative disables the cache. Not saved.
	CacheMB int
	// AfterEpoch, when set, is called after each epoch's checkpoint and
	// metrics are written, with that epoch's numbers and the model. A
	// non-nil error stops the run and is returned. Not saved.
	AfterEpoch func(EpochStats, *resnet.ResNet) error `json:"-"`
	// Clock returns the current time (default time.Now); tests replace it.
	// Not saved.
	Clock func() time.Time `json:"-"`
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.ValFraction == 0 {
		c.ValFraction = 0.2
	}
	if c.Arch == "" {
		c.Arch = resnet.ResNet18Arch
	}
	if c.InputSize == 0 {
		c.InputSize = 224
	}
	if c.Epochs == 0 {
		c.Epochs = 10
	}
	if c.BatchSize == 0 {
		c.BatchSize = 32
	}
	if c.Optimizer == "" {
		c.Optimizer = SGD
	}
	if c.LR == 0 {
		switch {
		case c.Optimizer == AdamW:
			c.LR = 1e-3
		case c.Weights != "":
			c.LR = 0.01
		default:
			c.LR = 0.05
		}
	}
	if c.BackboneLRScale == 0 {
		c.BackboneLRScale = 1
	}
	if c.WeightDecay == 0 {
		c.WeightDecay = 1e-4
		if c.Optimizer == AdamW {
			c.WeightDecay = 1e-2
		}
	}
	if c.WeightDecay < 0 {
		c.WeightDecay = 0
	}
	if c.FreezeBN == BNAuto {
		c.FreezeBN = BNTrain
		if c.FreezeBackbone || (c.Weights != "" && c.BatchSize < SmallBatch) {
			c.FreezeBN = BNFrozen
		}
	}
	if c.Out == "" {
		c.Out = c.Resume
		if c.Out == "" {
			c.Out = "runs/train"
		}
	}
	if c.CacheMB == 0 {
		c.CacheMB = 1024
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	return c
}

// validate checks a configuration with its defaults applied. Errors name
// the Config field at fault.
func (c Config) validate() error {
	bad := func(field, format string, a ...any) error {
		return &FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.Data == "":
		return bad("Data", "no data folder given")
	case !(c.ValFraction > 0 && c.ValFraction < 1):
		return bad("ValFraction", "%v is not in (0, 1)", c.ValFraction)
	case c.InputSize < 16 || c.InputSize > 1024:
		return bad("InputSize", "%d is not in [16, 1024]", c.InputSize)
	case c.Epochs < 1:
		return bad("Epochs", "%d must be >= 1", c.Epochs)
	case c.BatchSize < 1:
		return bad("BatchSize", "%d must be >= 1", c.BatchSize)
	case c.Optimizer != SGD && c.Optimizer != AdamW:
		return bad("Optimizer", "unknown optimizer %q (want %q or %q)", c.Optimizer, SGD, AdamW)
	case !(c.LR > 0) || !finite(c.LR):
		return bad("LR", "learning rate %v is not a positive number", c.LR)
	case !(c.BackboneLRScale > 0) || !finite(c.BackboneLRScale):
		return bad("BackboneLRScale", "%v is not a positive number", c.BackboneLRScale)
	case !finite(c.WeightDecay):
		return bad("WeightDecay", "%v is not a number", c.WeightDecay)
	case !(c.LabelSmoothing >= 0 && c.LabelSmoothing < 1):
		return bad("LabelSmoothing", "%v is not in [0, 1)", c.LabelSmoothing)
	case !(c.ClipNorm >= 0) || !finite(c.ClipNorm):
		return bad("ClipNorm", "%v is not a number >= 0", c.ClipNorm)
	case c.FreezeBN != BNFrozen && c.FreezeBN != BNTrain:
		return bad("FreezeBN", "unknown BatchNorm mode %q (want %q, %q or empty)", c.FreezeBN, BNFrozen, BNTrain)
	case c.Workers < 0:
		return bad("Workers", "%d must be >= 0", c.Workers)
	case !slices.Contains(resnet.Archs(), c.Arch):
		return bad("Arch", "unknown architecture %q (want one of %v)", c.Arch, resnet.Archs())
	}
	return nil
}

// evalResize is the shorter side validation images are resized to before
// the centre crop: size*256/224, as torchvision's 256/224 for 224.
func evalResize(size int) int { return size * 256 / 224 }

// FieldError is a Config field whose value cannot run, so that a program
// can name its own flag for the field.
type FieldError struct {
	Field string // the Config field, e.g. "Epochs"
	Msg   string // what is wrong with its value
}

// Error names the field and says what is wrong with it.
func (e *FieldError) Error() string { return "train: Config." + e.Field + ": " + e.Msg }
