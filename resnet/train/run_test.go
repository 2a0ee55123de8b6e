package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// A run writes the checkpoint, metrics.json and both plots, and nothing
// else (no temporary file is left behind by the atomic writes).
func TestRunWritesOutputs(t *testing.T) {
	data := writeSynth(t, t.TempDir(), 5, 3)
	out := filepath.Join(t.TempDir(), "run")
	var log bytes.Buffer
	res, err := Run(context.Background(), tinyConfig(data, out), &log)
	require.NoError(t, err)

	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	assert.Equal(t, []string{ConfusionFile, CurvesFile, MetricsFile, CheckpointFile}, names)

	// metrics.json holds what the issue asks for and matches the Result.
	raw, err := os.ReadFile(filepath.Join(out, MetricsFile))
	require.NoError(t, err)
	var m struct {
		Classes []string `json:"classes"`
		Epochs  []struct {
			Epoch         int      `json:"epoch"`
			TrainLoss     *float64 `json:"train_loss"`
			TrainAccuracy *float64 `json:"train_accuracy"`
			ValLoss       *float64 `json:"val_loss"`
			ValAccuracy   *float64 `json:"val_accuracy"`
			ImagesPerSec  float64  `json:"images_per_sec"`
		} `json:"epochs"`
		ValAccuracy *float64     `json:"val_accuracy"`
		PerClass    []ClassStats `json:"per_class"`
		Confusion   [][]int      `json:"confusion"`
		ValImages   int          `json:"val_images"`
	}
	require.NoError(t, json.Unmarshal(raw, &m))
	assert.Equal(t, []string{"blue", "green", "red"}, m.Classes)
	require.Len(t, m.Epochs, 2)
	for i, e := range m.Epochs {
		assert.Equal(t, i+1, e.Epoch)
		for _, v := range []*float64{e.TrainLoss, e.TrainAccuracy, e.ValLoss, e.ValAccuracy} {
			require.NotNil(t, v, "epoch %d", e.Epoch)
			assert.False(t, math.IsNaN(*v))
		}
		assert.Positive(t, e.ImagesPerSec)
	}
	require.NotNil(t, m.ValAccuracy)
	assert.Equal(t, res.ValAccuracy, *m.ValAccuracy)
	assert.Equal(t, *m.Epochs[1].ValAccuracy, *m.ValAccuracy)
	assert.Equal(t, 9, m.ValImages)
	require.Len(t, m.Confusion, 3)
	right, total := 0, 0
	for i, row := range m.Confusion {
		require.Len(t, row, 3)
		for j, n := range row {
			total += n
			if i == j {
				right += n
			}
		}
	}
	assert.Equal(t, 9, total)
	assert.InDelta(t, float64(right)/9, *m.ValAccuracy, 1e-12)
	require.Len(t, m.PerClass, 3)
	for i, c := range m.PerClass {
		assert.Equal(t, m.Classes[i], c.Class)
		assert.Equal(t, 3, c.Support)
	}

	// The plots are PNGs of a sensible size.
	for _, name := range []string{CurvesFile, ConfusionFile} {
		f, err := os.Open(filepath.Join(out, name))
		require.NoError(t, err)
		img, err := png.Decode(f)
		f.Close()
		require.NoError(t, err, name)
		assert.Greater(t, img.Bounds().Dx(), 150, name)
	}

	// The checkpoint is a Seedling checkpoint with the run's classes and size.
	model, meta, _, err := resnet.LoadCheckpoint(filepath.Join(out, CheckpointFile))
	require.NoError(t, err)
	assert.Equal(t, 3, model.NumClasses())
	assert.Equal(t, m.Classes, meta.Classes)
	assert.Equal(t, 32, meta.InputSize)
	assert.Equal(t, "2", meta.Extra[MetaEpoch])
}

// Data without a val/ folder is split per class by the seed.
func TestRunSplitsWithoutVal(t *testing.T) {
	data := writeSynth(t, t.TempDir(), 5, 0)
	require.NoError(t, os.RemoveAll(filepath.Join(data, "val")))
	cfg := tinyConfig(data, t.TempDir())
	cfg.Epochs, cfg.ValFraction = 1, 0.4
	res, err := Run(context.Background(), cfg, nil)
	require.NoError(t, err)
	assert.Equal(t, 6, res.ValImages)
	assert.Equal(t, 9, res.TrainImages)
	assert.Contains(t, res.Validation, "40%")
}

// readAll reads every tensor of a safetensors file.
func readAll(t *testing.T, path string) *nn.Safetensors {
	t.Helper()
	st, err := nn.ReadSafetensors(path)
	require.NoError(t, err)
	return st
}

// requireBitIdentical fails unless a and b hold the same tensors with the
// same bits.
func requireBitIdentical(t *testing.T, a, b *nn.Safetensors) {
	t.Helper()
	require.Equal(t, a.Names(), b.Names())
	for name, x := range a.Floats {
		y := b.Floats[name]
		require.Equal(t, x.Shape, y.Shape, name)
		for i := range x.Data {
			if math.Float32bits(x.Data[i]) != math.Float32bits(y.Data[i]) {
				t.Fatalf("%s[%d]: %v (uninterrupted) != %v (resumed)", name, i, x.Data[i], y.Data[i])
			}
		}
	}
	for name, x := range a.Ints {
		assert.Equal(t, x, b.Ints[name], name)
	}
}

var errStop = errors.New("stop here")

// Resuming after epoch k of N ends with the same weights, BatchNorm
// statistics and optimizer state, bit for bit, as an uninterrupted run.
func TestResumeIsBitIdentical(t *testing.T) {
	data := writeSynth(t, t.TempDir(), 5, 2)
	for _, tc := range []struct {
		name  string
		edit  func(*Config)
		after int // epochs before the interruption
	}{
		{"sgd after 1 of 3", func(*Config) {}, 1},
		{"adamw after 2 of 3, label smoothing, clip", func(c *Config) {
			c.Optimizer, c.LabelSmoothing, c.ClipNorm = AdamW, 0.1, 1
		}, 2},
		{"frozen backbone after 1 of 3", func(c *Config) { c.FreezeBackbone = true }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := tinyConfig(data, "")
			base.Epochs = 3
			tc.edit(&base)

			whole := base
			whole.Out = filepath.Join(t.TempDir(), "whole")
			full, err := Run(context.Background(), whole, nil)
			require.NoError(t, err)

			cut := base
			cut.Out = filepath.Join(t.TempDir(), "cut")
			cut.AfterEpoch = func(s EpochStats, _ *resnet.ResNet) error {
				if s.Epoch == tc.after {
					return errStop
				}
				return nil
			}
			part, err := Run(context.Background(), cut, nil)
			require.ErrorIs(t, err, errStop)
			require.Len(t, part.Epochs, tc.after)

			// Only Resume (and a different worker count, which must not
			// matter) is given: the rest comes from the checkpoint.
			resumed, err := Run(context.Background(), Config{Resume: cut.Out, Workers: 1}, nil)
			require.NoError(t, err)
			require.Len(t, resumed.Epochs, 3)
			for i := range full.Epochs {
				assert.Equal(t, full.Epochs[i].TrainLoss, resumed.Epochs[i].TrainLoss, "epoch %d", i+1)
				assert.Equal(t, full.Epochs[i].ValLoss, resumed.Epochs[i].ValLoss, "epoch %d", i+1)
			}
			requireBitIdentical(t, readAll(t, filepath.Join(whole.Out, CheckpointFile)), readAll(t, filepath.Join(cut.Out, CheckpointFile)))
		})
	}
}

// Resuming a run that is complete, or with other data, is refused.
func TestResumeErrors(t *testing.T) {
	data := writeSynth(t, t.TempDir(), 3, 1)
	cfg := tinyConfig(data, t.TempDir())
	cfg.Epochs = 1
	_, err := Run(context.Background(), cfg, nil)
	require.NoError(t, err)

	// Settings given on resume that the run fixed are reported, not used.
	var log bytes.Buffer
	more, err := Run(context.Background(), Config{Resume: cfg.Out, Out: t.TempDir(), Epochs: 2, LR: 0.3, ClipNorm: 2, Seed: 9}, &log)
	require.NoError(t, err)
	assert.Contains(t, log.String(), "resume: learning rate 0.3 ignored; the run's 0.05 is used")
	assert.Contains(t, log.String(), "resume: clip norm 2 ignored; the run's 0 is used")
	assert.Contains(t, log.String(), "resume: seed 9 ignored; the run's 7 is used")
	assert.Equal(t, 0.05, more.Config.LR)
	assert.Len(t, more.Epochs, 2)

	other := writeSynth(t, t.TempDir(), 3, 1)
	require.NoError(t, os.Rename(filepath.Join(other, "train", "red"), filepath.Join(other, "train", "yellow")))
	require.NoError(t, os.Rename(filepath.Join(other, "val", "red"), filepath.Join(other, "val", "yellow")))

	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"complete", Config{Resume: cfg.Out, Out: t.TempDir()}, "already has 1 epochs of 1"},
		{"other classes", Config{Resume: cfg.Out, Data: other, Epochs: 2, Out: t.TempDir()}, "classes"},
		{"no checkpoint", Config{Resume: t.TempDir()}, CheckpointFile},
		{"the checkpoint file itself", Config{Resume: filepath.Join(cfg.Out, CheckpointFile)}, "is a file; resume takes the run's folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), tc.cfg, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// A NaN loss stops the run with a *NonFiniteError and leaves the last good
// checkpoint as it was.
func TestNonFiniteStops(t *testing.T) {
	data := writeSynth(t, t.TempDir(), 5, 2)

	for _, tc := range []struct {
		name   string
		poison func(*resnet.ResNet)
		what   string
	}{
		// NaN logits make a NaN loss.
		{"NaN in fc after epoch 1", func(m *resnet.ResNet) { m.FC.Weight.Data[0] = float32(math.NaN()) }, "loss"},
		{"Inf in fc bias after epoch 1", func(m *resnet.ResNet) { m.FC.Bias.Data[1] = float32(math.Inf(1)) }, "loss"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig(data, t.TempDir())
			cfg.Epochs = 3
			ckpt := filepath.Join(cfg.Out, CheckpointFile)
			var good []byte
			cfg.AfterEpoch = func(s EpochStats, m *resnet.ResNet) error {
				var err error
				good, err = os.ReadFile(ckpt)
				tc.poison(m)
				return err
			}
			res, err := Run(context.Background(), cfg, nil)
			var nf *NonFiniteError
			require.ErrorAs(t, err, &nf)
			assert.Equal(t, tc.what, nf.What)
			assert.True(t, math.IsNaN(nf.Value) || math.IsInf(nf.Value, 0), "%v", nf.Value)
			assert.Equal(t, 2, nf.Epoch)
			assert.Equal(t, 1, nf.Batch)
			assert.Equal(t, 5, nf.Step, "4 steps per epoch (15 images), then the first of epoch 2")
			assert.Equal(t, ckpt, nf.Checkpoint)
			assert.Contains(t, err.Error(), ckpt)
			require.Len(t, res.Epochs, 1)
			now, err := os.ReadFile(ckpt)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(good, now), "the checkpoint changed after the NaN")
			// The kept checkpoint still loads.
			_, _, _, err = resnet.LoadCheckpoint(ckpt)
			require.NoError(t, err)
		})
	}

	// With one step per epoch the step that breaks the weights is the
	// epoch's last: only the validation loss can show it, and the
	// checkpoint of that epoch must not be written.
	t.Run("absurd learning rate on the epoch's last step", func(t *testing.T) {
		cfg := tinyConfig(data, t.TempDir())
		cfg.BatchSize, cfg.LR, cfg.Optimizer = 16, 1e30, "sgd"
		_, err := Run(context.Background(), cfg, nil)
		var nf *NonFiniteError
		require.ErrorAs(t, err, &nf)
		assert.Equal(t, "validation loss", nf.What)
		assert.Equal(t, 1, nf.Epoch)
		assert.Contains(t, err.Error(), "validation loss is")
		assert.Contains(t, err.Error(), "no checkpoint")
		assert.NoFileExists(t, filepath.Join(cfg.Out, CheckpointFile))
	})

	t.Run("absurd learning rate", func(t *testing.T) {
		cfg := tinyConfig(data, t.TempDir())
		cfg.LR = 1e30
		_, err := Run(context.Background(), cfg, nil)
		var nf *NonFiniteError
		require.ErrorAs(t, err, &nf)
		assert.Equal(t, 1, nf.Epoch)
		assert.Empty(t, nf.Checkpoint)
		assert.Contains(t, err.Error(), "no checkpoint")
		assert.NoFileExists(t, filepath.Join(cfg.Out, CheckpointFile))
	})
}

// A NaN gradient is caught before the step, with or without clipping, and
// the error names the parameter.
func TestCheckGrads(t *testing.T) {
	for _, clip := range []float64{0, 1} {
		m, err := resnet.New(resnet.ResNet18Arch, 3, 1)
		require.NoError(t, err)
		cfg := Config{Data: "x", ClipNorm: clip}.withDefaults()
		opt, err := newOptimizer(m, cfg)
		require.NoError(t, err)
		r := &runner{cfg: cfg, opt: opt}
		for _, p := range m.Parameters() {
			p.Tensor.Grad = nn.New(p.Tensor.Shape...)
		}
		require.NoError(t, r.checkGrads(), "clip %v", clip)
		m.Layers[1][0].(*resnet.BasicBlock).Conv2.Weight.Grad.Data[3] = float32(math.NaN())
		err = r.checkGrads()
		require.Error(t, err, "clip %v", clip)
		assert.Contains(t, err.Error(), "layer2.0.conv2.weight")

		nf := &NonFiniteError{Epoch: 2, Batch: 3, Step: 9, What: "gradient", Detail: err.Error(), Checkpoint: "run/model.safetensors"}
		assert.Contains(t, nf.Error(), "epoch 2, batch 3 (step 9)")
		assert.Contains(t, nf.Error(), "layer2.0.conv2.weight")
		assert.Contains(t, nf.Error(), "kept at run/model.safetensors")
	}
}

// Cancelling the context stops the run with the context's error.
func TestRunCancelled(t *testing.T) {
	data := writeSynth(t, t.TempDir(), 5, 2)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := tinyConfig(data, t.TempDir())
	cfg.Epochs = 3
	cfg.AfterEpoch = func(EpochStats, *resnet.ResNet) error { cancel(); return nil }
	res, err := Run(ctx, cfg, nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.Len(t, res.Epochs, 1)
	assert.FileExists(t, filepath.Join(cfg.Out, CheckpointFile))
}

// A new run never replaces an earlier run's checkpoint unless asked to:
// it says how to resume instead, and leaves the file alone.
func TestRunKeepsAnEarlierRun(t *testing.T) {
	data := writeSynth(t, t.TempDir(), 5, 2)
	cfg := tinyConfig(data, t.TempDir())
	cfg.Epochs = 1
	_, err := Run(context.Background(), cfg, nil)
	require.NoError(t, err)
	ckpt := filepath.Join(cfg.Out, CheckpointFile)
	first, err := os.ReadFile(ckpt)
	require.NoError(t, err)

	cfg.Seed = 8
	_, err = Run(context.Background(), cfg, nil)
	require.ErrorContains(t, err, "holds the checkpoint of an earlier run")
	require.ErrorContains(t, err, "-resume "+cfg.Out)
	now, err := os.ReadFile(ckpt)
	require.NoError(t, err)
	require.True(t, bytes.Equal(first, now), "the earlier checkpoint is untouched")

	cfg.Overwrite = true
	_, err = Run(context.Background(), cfg, nil)
	require.NoError(t, err)
	now, err = os.ReadFile(ckpt)
	require.NoError(t, err)
	require.False(t, bytes.Equal(first, now), "Overwrite replaces it")
}

// Bad configurations are refused before any work, naming the field.
func TestConfigErrorsNameTheField(t *testing.T) {
	data := writeSynth(t, t.TempDir(), 1, 1)
	for _, tc := range []struct {
		field string
		edit  func(*Config)
	}{
		{"Data", func(c *Config) { c.Data = "" }},
		{"Data", func(c *Config) { c.Data = filepath.Join(data, "nope") }},
		{"ValFraction", func(c *Config) { c.ValFraction = 1.5 }},
		{"InputSize", func(c *Config) { c.InputSize = 8 }},
		{"Epochs", func(c *Config) { c.Epochs = -1 }},
		{"BatchSize", func(c *Config) { c.BatchSize = -4 }},
		{"Optimizer", func(c *Config) { c.Optimizer = "lion" }},
		{"LR", func(c *Config) { c.LR = -0.1 }},
		{"LR", func(c *Config) { c.LR = math.Inf(1) }},
		{"BackboneLRScale", func(c *Config) { c.BackboneLRScale = -1 }},
		{"WeightDecay", func(c *Config) { c.WeightDecay = math.NaN() }},
		{"LabelSmoothing", func(c *Config) { c.LabelSmoothing = 1 }},
		{"ClipNorm", func(c *Config) { c.ClipNorm = -1 }},
		{"FreezeBN", func(c *Config) { c.FreezeBN = "sometimes" }},
		{"Workers", func(c *Config) { c.Workers = -2 }},
		{"Arch", func(c *Config) { c.Arch = "resnet7" }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			cfg := tinyConfig(data, filepath.Join(t.TempDir(), "out"))
			tc.edit(&cfg)
			_, err := Run(context.Background(), cfg, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "Config."+tc.field)
			assert.NoDirExists(t, cfg.Out, "nothing is written for a bad config")
		})
	}
}

// The log of a run has one line per epoch with loss, accuracy,
// throughput and the time left.
func TestRunLog(t *testing.T) {
	data := writeSynth(t, t.TempDir(), 3, 1)
	var log bytes.Buffer
	_, err := Run(context.Background(), tinyConfig(data, t.TempDir()), &log)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	require.Len(t, lines, 3, log.String())
	assert.Contains(t, lines[0], "from scratch")
	for i, l := range lines[1:] {
		assert.Regexp(t, `^epoch \d/2  train loss \d+\.\d+ acc +\d+\.\d%  val loss \d+\.\d+ acc +\d+\.\d%  \d+\.\d img/s .* eta \d+:\d\d$`, l, "epoch %d", i+1)
	}
	assert.NotContains(t, log.String(), "\r", "no bar on a non-terminal")
}

// Broken image files are left out with a warning naming each, and hidden
// and non-image files are counted in the log; with FailOnBadFiles the run
// stops before training, listing every broken file.
func TestRunBadFiles(t *testing.T) {
	data := writeSynth(t, t.TempDir(), 3, 2)
	broken := []string{
		filepath.Join(data, "train", synthClasses[0].name, "half.png"),
		filepath.Join(data, "val", synthClasses[1].name, "empty.jpg"),
	}
	require.NoError(t, os.WriteFile(broken[0], []byte("\x89PNG\r\n\x1a\n\x00\x00"), 0o644))
	require.NoError(t, os.WriteFile(broken[1], nil, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(data, "train", synthClasses[0].name, ".DS_Store"), []byte("x"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(data, "train", synthClasses[0].name, "notes.txt"), []byte("x"), 0o644))

	cfg := tinyConfig(data, t.TempDir())
	cfg.Epochs = 1
	var log bytes.Buffer
	_, err := Run(context.Background(), cfg, &log)
	require.NoError(t, err)
	for _, f := range broken {
		assert.Contains(t, log.String(), "warning: skipped unreadable image: dataset: "+f+": ")
	}
	assert.Contains(t, log.String(), "skipped 1 hidden, 1 non-image and 0 stray files")

	cfg.FailOnBadFiles = true
	cfg.Out = t.TempDir()
	_, err = Run(context.Background(), cfg, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), broken[0])
	assert.NoFileExists(t, filepath.Join(cfg.Out, CheckpointFile))
}
