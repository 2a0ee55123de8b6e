package train

import (
	"context"
	"errors"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// randomCheckpoint saves an untrained 3-class model at 32 px and returns
// its path and the model.
func randomCheckpoint(t *testing.T) (string, *resnet.ResNet) {
	t.Helper()
	m, err := resnet.New(resnet.ResNet18Arch, 3, 11)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), CheckpointFile)
	meta := resnet.Meta{Arch: resnet.ResNet18Arch, Classes: []string{"blue", "green", "red"}, InputSize: 32,
		Mean: dataset.ImageNetMean, Std: dataset.ImageNetStd}
	require.NoError(t, resnet.SaveCheckpoint(path, m, meta, nil))
	m.Eval()
	return path, m
}

// PredictFile, PredictImage and PredictFiles give the model's softmax on
// torchvision's evaluation preprocessing, ranked.
func TestPredictorMatchesModel(t *testing.T) {
	ckpt, m := randomCheckpoint(t)
	p, err := LoadPredictor(ckpt)
	require.NoError(t, err)
	assert.Equal(t, []string{"blue", "green", "red"}, p.Classes())
	assert.Equal(t, 32, p.InputSize())

	data := writeSynth(t, t.TempDir(), 0, 2)
	var paths []string
	for _, c := range synthClasses {
		paths = append(paths, filepath.Join(data, "val", c.name, "0.png"), filepath.Join(data, "val", c.name, "1.png"))
	}
	p.BatchSize = 4 // two batches, the last one short
	var batched []*Prediction
	for pr, err := range p.PredictFiles(context.Background(), paths) {
		require.NoError(t, err)
		batched = append(batched, pr)
	}
	require.Len(t, batched, len(paths))

	for i, path := range paths {
		x, err := dataset.LoadImageTensor(path, 32) // resize 36, crop 32, ImageNet mean/std
		require.NoError(t, err)
		want := nn.Softmax(m.Forward(x)).Data

		one, err := p.PredictFile(path)
		require.NoError(t, err)
		img, err := dataset.DecodeFile(path, dataset.DecodeOptions{})
		require.NoError(t, err)
		fromImage, err := p.PredictImage(img.SubImage(img.Bounds())) // not an *image.RGBA fast path
		require.NoError(t, err)
		for name, pr := range map[string]*Prediction{"file": one, "image": fromImage, "batched": batched[i]} {
			require.Len(t, pr.Probs, 3, name)
			assert.InDeltaSlice(t, want, pr.Probs, 1e-5, "%s %s", name, path)
			require.Len(t, pr.Top, 3)
			assert.Equal(t, pr.Top[0].Class, pr.Label)
			assert.Equal(t, argmax(pr.Probs), pr.Top[0].Index)
			assert.GreaterOrEqual(t, pr.Top[0].Prob, pr.Top[1].Prob)
			assert.GreaterOrEqual(t, pr.Top[1].Prob, pr.Top[2].Prob)
			assert.InDelta(t, 1, pr.Top[0].Prob+pr.Top[1].Prob+pr.Top[2].Prob, 1e-5)
			assert.Empty(t, pr.True)
		}
		assert.Equal(t, path, one.Path)
		assert.Equal(t, path, batched[i].Path)
	}

	batched[0].Truncate(2)
	assert.Len(t, batched[0].Top, 2)
	batched[1].Truncate(0)
	assert.Len(t, batched[1].Top, 3)
}

// PredictImage reads straight colours, as files are read: a translucent
// NRGBA image (case C01's trap) predicts exactly like its opaque twin, not
// like the image composited onto black.
func TestPredictImageIgnoresAlpha(t *testing.T) {
	ckpt, _ := randomCheckpoint(t)
	p, err := LoadPredictor(ckpt)
	require.NoError(t, err)
	opaque := image.NewNRGBA(image.Rect(0, 0, 40, 40))
	for i := 0; i < len(opaque.Pix); i += 4 {
		opaque.Pix[i], opaque.Pix[i+1], opaque.Pix[i+2], opaque.Pix[i+3] = uint8(i), uint8(3*i), 200, 255
	}
	clear := image.NewNRGBA(opaque.Rect)
	copy(clear.Pix, opaque.Pix)
	for i := 3; i < len(clear.Pix); i += 4 {
		clear.Pix[i] = uint8(i % 128)
	}
	want, err := p.PredictImage(opaque)
	require.NoError(t, err)
	got, err := p.PredictImage(clear)
	require.NoError(t, err)
	assert.Equal(t, want.Probs, got.Probs)
}

// EvaluateFolder on the validation folder of a run reproduces the run's
// own validation accuracy and confusion matrix.
func TestEvaluateFolderMatchesRun(t *testing.T) {
	data := writeSynth(t, t.TempDir(), 5, 3)
	cfg := tinyConfig(data, t.TempDir())
	res, err := Run(context.Background(), cfg, nil)
	require.NoError(t, err)

	p, err := LoadPredictor(res.Checkpoint)
	require.NoError(t, err)
	seen := 0
	ev, err := p.EvaluateFolder(context.Background(), filepath.Join(data, "val"), func(*Prediction) error { seen++; return nil })
	require.NoError(t, err)
	assert.Equal(t, 9, ev.Images)
	assert.Equal(t, 9, seen)
	assert.Equal(t, res.Confusion, ev.Confusion)
	assert.Equal(t, res.ValAccuracy, ev.Accuracy)
	assert.Equal(t, res.PerClass, ev.PerClass)
	for _, pr := range ev.Predictions {
		assert.Equal(t, filepath.Base(filepath.Dir(pr.Path)), pr.True)
	}
}

// A folder with only some of the classes is scored on them.
func TestEvaluateFolderSubsetOfClasses(t *testing.T) {
	ckpt, _ := randomCheckpoint(t)
	p, err := LoadPredictor(ckpt)
	require.NoError(t, err)
	data := writeSynth(t, t.TempDir(), 0, 2)
	require.NoError(t, os.RemoveAll(filepath.Join(data, "val", "green")))
	ev, err := p.EvaluateFolder(context.Background(), filepath.Join(data, "val"), nil)
	require.NoError(t, err)
	assert.Equal(t, 4, ev.Images)
	assert.Equal(t, 0, ev.PerClass[1].Support)
	assert.Equal(t, 2, ev.PerClass[0].Support)
}

// With SkipBadFiles a corrupt file is reported and left out, and the
// rest is classified; without it, the first one stops the run.
func TestPredictorSkipBadFiles(t *testing.T) {
	ckpt, _ := randomCheckpoint(t)
	p, err := LoadPredictor(ckpt)
	require.NoError(t, err)
	data := writeSynth(t, t.TempDir(), 0, 2)
	val := filepath.Join(data, "val")
	junk := filepath.Join(val, "green", "junk.png")
	require.NoError(t, os.WriteFile(junk, []byte("not a png"), 0o644))
	good := filepath.Join(val, "red", "0.png")

	_, err = p.EvaluateFolder(context.Background(), val, nil)
	require.ErrorContains(t, err, "junk.png")

	p.SkipBadFiles = true
	ev, err := p.EvaluateFolder(context.Background(), val, nil)
	require.NoError(t, err)
	assert.Equal(t, 6, ev.Images, "the three classes' two good images each")
	require.Len(t, ev.Bad, 1)
	assert.Equal(t, junk, ev.Bad[0].Path)
	assert.ErrorContains(t, ev.Bad[0].Err, "junk.png")

	var errs []error
	var preds []*Prediction
	for pr, err := range p.PredictFiles(context.Background(), []string{good, junk, good}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		preds = append(preds, pr)
	}
	require.Len(t, errs, 1)
	assert.ErrorContains(t, errs[0], "junk.png")
	var skipped *SkippedFileError
	require.ErrorAs(t, errs[0], &skipped)
	assert.Equal(t, junk, skipped.Path)
	require.Len(t, preds, 2)
	assert.Equal(t, good, preds[1].Path)
}

func TestPredictorErrorsNameTheFile(t *testing.T) {
	ckpt, m := randomCheckpoint(t)
	p, err := LoadPredictor(ckpt)
	require.NoError(t, err)
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.png")
	require.NoError(t, os.WriteFile(junk, []byte("not a png"), 0o644))
	weights := filepath.Join(dir, "plain.safetensors")
	floats, ints := m.StateDict()
	require.NoError(t, nn.WriteSafetensors(weights, floats, ints, nil))
	other := writeSynth(t, t.TempDir(), 0, 1)
	require.NoError(t, os.Rename(filepath.Join(other, "val", "red"), filepath.Join(other, "val", "purple")))
	good := filepath.Join(other, "val", "blue", "0.png")
	valid := filepath.Join(writeSynth(t, t.TempDir(), 0, 1), "val")
	stop := errors.New("stop")

	for _, tc := range []struct {
		name string
		fn   func() error
		want string
	}{
		{"missing checkpoint", func() error { _, err := LoadPredictor(filepath.Join(dir, "none.safetensors")); return err }, "none.safetensors"},
		{"plain weights", func() error { _, err := LoadPredictor(weights); return err }, "plain.safetensors"},
		{"bad image", func() error { _, err := p.PredictFile(junk); return err }, "junk.png"},
		{"missing image", func() error { _, err := p.PredictFile(filepath.Join(dir, "gone.jpg")); return err }, "gone.jpg"},
		{"bad image in a batch", func() error {
			for _, err := range p.PredictFiles(context.Background(), []string{good, junk}) {
				if err != nil {
					return err
				}
			}
			return nil
		}, "junk.png"},
		{"unknown class folder", func() error {
			_, err := p.EvaluateFolder(context.Background(), filepath.Join(other, "val"), nil)
			return err
		}, "purple"},
		{"empty tree", func() error { _, err := p.EvaluateFolder(context.Background(), t.TempDir(), nil); return err }, "no images"},
		{"callback error", func() error {
			_, err := p.EvaluateFolder(context.Background(), valid, func(*Prediction) error { return stop })
			return err
		}, "stop"},
		{"empty image", func() error { _, err := p.PredictImage(image.NewRGBA(image.Rect(0, 0, 0, 0))); return err }, "empty image"},
		{"class count", func() error {
			_, err := NewPredictor(m, resnet.Meta{Classes: []string{"a"}, InputSize: 32})
			return err
		}, "1 class names"},
		{"input size", func() error {
			_, err := NewPredictor(m, resnet.Meta{Classes: []string{"a", "b", "c"}})
			return err
		}, "input size 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.fn()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
