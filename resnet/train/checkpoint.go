package train

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/optim"
	"github.com/seedling-ml/seedling/resnet"
)

// File names written in the output folder.
const (
	// CheckpointFile is the model, its meta and the training state (see
	// SaveCheckpoint's extra tensors), rewritten atomically after every
	// epoch.
	CheckpointFile = "model.safetensors"
	// MetricsFile is the Result as JSON.
	MetricsFile = "metrics.json"
	// CurvesFile plots loss and accuracy per epoch.
	CurvesFile = "curves.png"
	// ConfusionFile is the validation confusion matrix as a heat map.
	ConfusionFile = "confusion.png"
)

// Metadata keys of the training state in a checkpoint's Extra map (the
// optimizer adds its own optim.* keys).
const (
	// MetaEpoch is the number of completed epochs.
	MetaEpoch = "train.epoch"
	// MetaStep is the number of completed optimizer steps (the schedule's
	// position).
	MetaStep = "train.step"
	// MetaSeed is the run's seed.
	MetaSeed = "train.seed"
	// MetaConfig is the run's Config as JSON.
	MetaConfig = "train.config"
	// MetaHistory is the per-epoch statistics so far, as JSON.
	MetaHistory = "train.history"
)

// state is what a checkpoint holds besides the model.
type state struct {
	cfg     Config
	classes []string
	epoch   int // completed epochs
	step    int // completed steps
	history []EpochStats
}

// saveCheckpoint writes the model, its meta and the training state to
// path, atomically (a temporary file is written, synced and renamed).
func saveCheckpoint(path string, m *resnet.ResNet, opt optim.Optimizer, s state) error {
	tensors, extra := opt.State()
	saved := s.cfg
	saved.Out, saved.Resume, saved.Overwrite, saved.Workers, saved.CacheMB, saved.FailOnBadFiles = "", "", false, 0, 0, false
	cfgJSON, err := json.Marshal(saved)
	if err != nil {
		return fmt.Errorf("train: encoding config: %w", err)
	}
	histJSON, err := json.Marshal(s.history)
	if err != nil {
		return fmt.Errorf("train: encoding history: %w", err)
	}
	maps.Copy(extra, map[string]string{
		MetaEpoch:   strconv.Itoa(s.epoch),
		MetaStep:    strconv.Itoa(s.step),
		MetaSeed:    strconv.FormatUint(s.cfg.Seed, 10),
		MetaConfig:  string(cfgJSON),
		MetaHistory: string(histJSON),
	})
	meta := resnet.Meta{
		Arch: s.cfg.Arch, Classes: s.classes, InputSize: s.cfg.InputSize,
		Mean: dataset.ImageNetMean, Std: dataset.ImageNetStd, Extra: extra,
	}
	if err := resnet.SaveCheckpoint(path, m, meta, tensors); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// resumed is a run read back from its checkpoint.
type resumed struct {
	state
	model *resnet.ResNet
	file  *nn.Safetensors
}

// readResume reads dir's checkpoint and training state.
func readResume(dir string) (*resumed, error) {
	if info, err := os.Stat(dir); err == nil && !info.IsDir() {
		return nil, fmt.Errorf("train: resume: %s is a file; resume takes the run's folder (the one holding %s)", dir, CheckpointFile)
	}
	path := filepath.Join(dir, CheckpointFile)
	m, meta, file, err := resnet.LoadCheckpoint(path)
	if err != nil {
		return nil, fmt.Errorf("train: resume: %w", err)
	}
	r := &resumed{model: m, file: file}
	r.classes = meta.Classes
	bad := func(key string, err error) error {
		return fmt.Errorf("train: resume: %s: metadata %q: %v (not a checkpoint written by train.Run?)", path, key, err)
	}
	if err := json.Unmarshal([]byte(meta.Extra[MetaConfig]), &r.cfg); err != nil {
		return nil, bad(MetaConfig, err)
	}
	if r.epoch, err = strconv.Atoi(meta.Extra[MetaEpoch]); err != nil || r.epoch < 1 {
		return nil, bad(MetaEpoch, fmt.Errorf("%q is not an epoch count", meta.Extra[MetaEpoch]))
	}
	if r.step, err = strconv.Atoi(meta.Extra[MetaStep]); err != nil || r.step < 0 {
		return nil, bad(MetaStep, fmt.Errorf("%q is not a step count", meta.Extra[MetaStep]))
	}
	if err := json.Unmarshal([]byte(meta.Extra[MetaHistory]), &r.history); err != nil {
		return nil, bad(MetaHistory, err)
	}
	if len(r.history) != r.epoch {
		return nil, bad(MetaHistory, fmt.Errorf("%d entries for %d epochs", len(r.history), r.epoch))
	}
	return r, nil
}

// mergeResume returns the saved configuration with the fields that are
// not saved (and Epochs and Data when given) taken from cfg, and notes
// for the fields of cfg that were set but are overridden by the saved run.
func mergeResume(saved, cfg Config) (Config, []string) {
	var notes []string
	ignore := func(name string, given, used any, set bool) {
		if set && given != used {
			notes = append(notes, fmt.Sprintf("resume: %s %v ignored; the run's %v is used", name, given, used))
		}
	}
	ignore("weights", cfg.Weights, saved.Weights, cfg.Weights != "")
	ignore("arch", cfg.Arch, saved.Arch, cfg.Arch != "")
	ignore("input size", cfg.InputSize, saved.InputSize, cfg.InputSize != 0)
	ignore("batch size", cfg.BatchSize, saved.BatchSize, cfg.BatchSize != 0)
	ignore("optimizer", cfg.Optimizer, saved.Optimizer, cfg.Optimizer != "")
	ignore("learning rate", cfg.LR, saved.LR, cfg.LR != 0)
	ignore("seed", cfg.Seed, saved.Seed, cfg.Seed != 0)
	ignore("freeze-backbone", cfg.FreezeBackbone, saved.FreezeBackbone, cfg.FreezeBackbone)
	ignore("label smoothing", cfg.LabelSmoothing, saved.LabelSmoothing, cfg.LabelSmoothing != 0)
	ignore("clip norm", cfg.ClipNorm, saved.ClipNorm, cfg.ClipNorm != 0)
	ignore("weight decay", cfg.WeightDecay, saved.WeightDecay, cfg.WeightDecay != 0)
	ignore("backbone LR scale", cfg.BackboneLRScale, saved.BackboneLRScale, cfg.BackboneLRScale != 0)
	ignore("BatchNorm mode", cfg.FreezeBN, saved.FreezeBN, cfg.FreezeBN != BNAuto)
	ignore("val fraction", cfg.ValFraction, saved.ValFraction, cfg.ValFraction != 0)
	ignore("drop-last", cfg.DropLast, saved.DropLast, cfg.DropLast)

	out := saved
	if cfg.Data != "" {
		out.Data = cfg.Data
	}
	if cfg.Epochs != 0 {
		out.Epochs = cfg.Epochs
	}
	out.Out, out.Resume, out.Overwrite, out.Workers, out.CacheMB = cfg.Out, cfg.Resume, cfg.Overwrite, cfg.Workers, cfg.CacheMB
	out.FailOnBadFiles = cfg.FailOnBadFiles
	out.AfterEpoch, out.Clock = cfg.AfterEpoch, cfg.Clock
	return out, notes
}

// sameClasses checks that the data has the classes the checkpoint was
// trained on, in the same order.
func sameClasses(saved, data []string) error {
	if !slices.Equal(saved, data) {
		return fmt.Errorf("train: resume: the data's classes %q differ from the checkpoint's %q", data, saved)
	}
	return nil
}
