package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/internal/shared"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
	"github.com/seedling-ml/seedling/resnet/train"
)

// writeData writes train/ and val/ folders of three colour classes with
// n and 1 small PNGs each.
func writeData(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	colours := map[string]color.NRGBA{"blue": {30, 50, 200, 255}, "green": {40, 180, 60, 255}, "red": {200, 40, 30, 255}}
	for split, count := range map[string]int{"train": n, "val": 1} {
		for name, c := range colours {
			folder := filepath.Join(dir, split, name)
			require.NoError(t, os.MkdirAll(folder, 0o755))
			for i := range count {
				img := image.NewNRGBA(image.Rect(0, 0, 36, 36))
				for p := 0; p < len(img.Pix); p += 4 {
					d := uint8((p/4*7 + i*13) % 40)
					img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = c.R-d/2, c.G+d/2, c.B-d/2, 255
				}
				require.NoError(t, dataset.SavePNG(filepath.Join(folder, fmt.Sprintf("%d.png", i)), img))
			}
		}
	}
	return dir
}

// A tiny run trains, prints a summary, writes the outputs, and -resume
// continues it to more epochs.
func TestFinetuneRunAndResume(t *testing.T) {
	data := writeData(t, 4)
	out := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-data", data, "-size", "32", "-epochs", "1", "-batch", "4",
		"-seed", "3", "-out", out, "-workers", "1", "-optimizer", "adamw", "-clip", "5"}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())
	assert.Contains(t, stdout.String(), "1 epochs: val accuracy")
	assert.Contains(t, stdout.String(), "images/s")
	assert.Contains(t, stderr.String(), "epoch 1/1")
	for _, f := range []string{train.CheckpointFile, train.MetricsFile, train.CurvesFile, train.ConfusionFile} {
		assert.FileExists(t, filepath.Join(out, f))
	}
	var m train.Result
	raw, err := os.ReadFile(filepath.Join(out, train.MetricsFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &m))
	assert.Equal(t, train.AdamW, m.Config.Optimizer)
	assert.Equal(t, 5.0, m.Config.ClipNorm)
	assert.Equal(t, 32, m.Config.InputSize)
	assert.Equal(t, uint64(3), m.Config.Seed)

	stdout.Reset()
	stderr.Reset()
	require.NoError(t, run(context.Background(), []string{"-resume", out, "-epochs", "2"}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stderr.String(), "resumed from")
	assert.Contains(t, stdout.String(), "2 epochs: val accuracy")
	assert.NotContains(t, stderr.String(), "ignored", "flags not given are not passed on")

}

// cancelAfter is a progress writer that cancels a run once the log shows
// a given line, like a Ctrl-C at that moment.
type cancelAfter struct {
	bytes.Buffer
	line   string
	cancel context.CancelFunc
}

func (w *cancelAfter) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if strings.Contains(w.String(), w.line) {
		w.cancel()
	}
	return n, err
}

// A run stopped (as by Ctrl-C) during its second epoch and continued with
// -resume ends with the same weights, bit for bit, as an uninterrupted one.
func TestFinetuneInterruptedAndResumed(t *testing.T) {
	data := writeData(t, 4)
	args := []string{"-data", data, "-size", "32", "-epochs", "3", "-batch", "4", "-seed", "5", "-workers", "1"}
	whole := filepath.Join(t.TempDir(), "whole")
	require.NoError(t, run(context.Background(), append(args, "-out", whole), &bytes.Buffer{}, &bytes.Buffer{}))

	cut := filepath.Join(t.TempDir(), "cut")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := &cancelAfter{line: "epoch 1/3  train loss", cancel: cancel}
	err := run(ctx, append(args, "-out", cut), &bytes.Buffer{}, log)
	require.Error(t, err, "the run was stopped")
	assert.Contains(t, err.Error(), "-resume "+cut)
	require.NoError(t, run(context.Background(), []string{"-resume", cut}, &bytes.Buffer{}, &bytes.Buffer{}))

	straight, err := nn.ReadSafetensors(filepath.Join(whole, train.CheckpointFile))
	require.NoError(t, err)
	resumed, err := nn.ReadSafetensors(filepath.Join(cut, train.CheckpointFile))
	require.NoError(t, err)
	require.Equal(t, straight.Names(), resumed.Names())
	for name, w := range straight.Floats {
		require.True(t, slices.Equal(w.Data, resumed.Floats[name].Data), "%s differs from the uninterrupted run's", name)
	}
}

// -fail-on-bad-files stops before training, naming the broken file; by
// default the file is left out with a warning.
func TestFinetuneBadFiles(t *testing.T) {
	data := writeData(t, 4)
	bad := filepath.Join(data, "train", "red", "broken.png")
	require.NoError(t, os.WriteFile(bad, []byte("not a png"), 0o644))
	args := []string{"-data", data, "-size", "32", "-epochs", "1", "-batch", "4", "-workers", "1"}
	var stderr bytes.Buffer
	out := filepath.Join(t.TempDir(), "run")
	require.NoError(t, run(context.Background(), append(args, "-out", out), &bytes.Buffer{}, &stderr))
	assert.Contains(t, stderr.String(), "warning: skipped unreadable image: dataset: "+bad)

	out = filepath.Join(t.TempDir(), "run")
	err := run(context.Background(), append(args, "-out", out, "-fail-on-bad-files"), &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), bad)
	assert.NoFileExists(t, filepath.Join(out, train.CheckpointFile))
}

// -weights starts from torchvision-format weights, without their fc.
func TestFinetuneFromWeights(t *testing.T) {
	m, err := resnet.New(resnet.ResNet18Arch, 10, 5)
	require.NoError(t, err)
	floats, ints := m.StateDict()
	weights := filepath.Join(t.TempDir(), "imagenet.safetensors")
	require.NoError(t, nn.WriteSafetensors(weights, floats, ints, nil))
	data := writeData(t, 2)
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-data", data, "-weights", weights, "-size", "32", "-epochs", "1",
		"-batch", "2", "-freeze-backbone", "-out", out}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stderr.String(), "fc left fresh")
	// With a frozen backbone only fc changed.
	got, _, _, err := resnet.LoadCheckpoint(filepath.Join(out, train.CheckpointFile))
	require.NoError(t, err)
	gf, _ := got.StateDict()
	assert.Equal(t, floats["layer3.1.conv2.weight"].Data, gf["layer3.1.conv2.weight"].Data)
	assert.Equal(t, floats["bn1.running_var"].Data, gf["bn1.running_var"].Data)
	assert.Equal(t, []int{3, 512}, gf["fc.weight"].Shape)
}

// Ctrl-C (a cancelled context) stops the run with the context's error.
func TestFinetuneCancelled(t *testing.T) {
	data := writeData(t, 2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := run(ctx, []string{"-data", data, "-size", "32", "-epochs", "1", "-out", t.TempDir()}, &bytes.Buffer{}, &bytes.Buffer{})
	require.ErrorIs(t, err, context.Canceled)
}

func TestFinetuneFlagErrors(t *testing.T) {
	data := writeData(t, 1)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-epochs", "0"}, "-epochs"},
		{[]string{"-batch", "0"}, "-batch"},
		{[]string{"-lr", "0"}, "-lr"},
		{[]string{"-size", "0"}, "-size"},
		{[]string{"-lr", "-1"}, "-lr: learning rate -1 is not a positive number"},
		{[]string{"-optimizer", "rmsprop"}, `-optimizer: unknown optimizer "rmsprop"`},
		{[]string{"-arch", "vgg"}, `-arch: unknown architecture "vgg"`},
		{[]string{"-freeze-bn", "maybe"}, `-freeze-bn: unknown BatchNorm mode "maybe"`},
		{[]string{"-label-smoothing", "1"}, "-label-smoothing: 1 is not in [0, 1)"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-nope"}, "not defined"},
		{[]string{"-resume", "/nonexistent/run"}, "/nonexistent/run"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			args := append([]string{"-data", data, "-size", "32", "-out", filepath.Join(t.TempDir(), "o")}, tc.args...)
			err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	err := run(context.Background(), []string{"-data", filepath.Join(data, "missing")}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing")
}

// The default -data is found from any working directory of the checkout.
func TestFindData(t *testing.T) {
	got, err := findData(defaultData, false)
	require.NoError(t, err)
	assert.DirExists(t, filepath.Join(got, "train"))
	assert.DirExists(t, filepath.Join(got, "val"))

	t.Chdir(t.TempDir()) // outside the module: found from the source file's place
	got, err = findData(defaultData, false)
	require.NoError(t, err)
	assert.DirExists(t, filepath.Join(got, "train"))

	got, err = findData("some/where", true) // given by the user: taken as is
	require.NoError(t, err)
	assert.Equal(t, "some/where", got)
	_, err = findData("not/there", false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not/there")
}

// The usage example of the package comment works on the real data set
// (one short epoch).
func TestFinetuneSeedlings(t *testing.T) {
	data := shared.Path(t, "data/seedlings")
	if testing.Short() {
		t.Skip("trains an epoch on 600 images")
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-data", data, "-size", "32", "-epochs", "1", "-batch", "64", "-out", out}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stderr.String(), "12 classes, 600 train / 156 val images")
}
