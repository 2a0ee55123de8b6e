package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/examples/internal/bundled"
	"github.com/seedling-ml/seedling/internal/shared"
	"github.com/seedling-ml/seedling/resnet"
)

func checkpoint(t *testing.T) string {
	t.Helper()
	m, err := resnet.New(resnet.ResNet18Arch, 3, 5)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "model.safetensors")
	meta := resnet.Meta{Arch: resnet.ResNet18Arch, Classes: []string{"a", "b", "c"}, InputSize: 224, Mean: resnet.ImageNetMean, Std: resnet.ImageNetStd}
	require.NoError(t, resnet.SaveCheckpoint(path, m, meta, nil))
	return path
}

// sampleImage is the default photo, from the bundled subset.
func sampleImage(t *testing.T) string {
	t.Helper()
	p, err := bundled.Path(bundled.SampleImage)
	require.NoError(t, err)
	return p
}

func TestFeatures(t *testing.T) {
	img := sampleImage(t)
	tests := []struct {
		name  string
		model func(t *testing.T) []string
		args  []string
	}{
		{"random checkpoint", func(t *testing.T) []string { return []string{"-model", checkpoint(t)} },
			[]string{"-unit", "layer1.0", "-size", "48", "-top", "4", "-cols", "4", "-tile", "16"}},
		{"reference weights", func(t *testing.T) []string {
			return []string{"-weights", shared.Path(t, "reference/resnet18_seedlings.pth"), "-arch", "resnet18", "-classes", "12"}
		}, []string{"-unit", "layer3.0", "-size", "64", "-channels", "1,5,9"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "f.png")
			var stdout, stderr bytes.Buffer
			args := append(append(tc.model(t), "-image", img, "-out", out), tc.args...)
			require.NoError(t, run(args, &stdout, &stderr), stderr.String())
			assert.Contains(t, stdout.String(), "wrote "+out)
			f, err := os.Open(out)
			require.NoError(t, err)
			defer f.Close()
			pic, err := png.Decode(f)
			require.NoError(t, err)
			assert.Greater(t, pic.Bounds().Dy(), 5*16, "five panels and the photo")
		})
	}
}

func TestFeaturesErrors(t *testing.T) {
	model := checkpoint(t)
	img := sampleImage(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-unit", "layer2"}, `unit "layer2"`},
		{[]string{"-unit", "layer4.2"}, "layer4 of resnet18 has units 0..1"},
		{[]string{"-channels", "1,x"}, `"x" is not a channel number`},
		{[]string{"-channels", "999"}, "-channels 999: out of range: layer2.1 has 128 channels (0..127)"},
		{[]string{"-size", "0"}, "-size 0"},
		{[]string{"-image", "missing.png"}, "missing.png"},
		{[]string{"stray"}, `unexpected argument "stray"`},
		{[]string{"-out", "/nonexistent-dir/f.png"}, "-out /nonexistent-dir/f.png: folder /nonexistent-dir"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "f.png")
			args := append([]string{"-model", model, "-image", img, "-size", "48", "-out", out}, tc.args...)
			require.ErrorContains(t, run(args, &bytes.Buffer{}, &bytes.Buffer{}), tc.want)
			_, err := os.Stat(out)
			assert.True(t, os.IsNotExist(err))
		})
	}
}

// Without -image the program runs on the bundled photo, from the package's
// folder and from a folder further below the repository root (the old
// default, a path relative to the root, failed in both).
func TestFeaturesDefaultImageFromSubfolders(t *testing.T) {
	model := checkpoint(t)
	for _, dir := range []string{".", filepath.Join("..", "internal", "bundled")} {
		t.Run(dir, func(t *testing.T) {
			t.Chdir(dir)
			out := filepath.Join(t.TempDir(), "f.png")
			var stdout, stderr bytes.Buffer
			args := []string{"-model", model, "-out", out, "-json", "-unit", "layer1.0", "-size", "32", "-top", "2"}
			require.NoError(t, run(args, &stdout, &stderr), stderr.String())
			var rep jsonReport
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))
			assert.Equal(t, sampleImage(t), rep.Image)
			_, err := os.Stat(out)
			assert.NoError(t, err)
		})
	}
}

// features runs the program with -json and decodes its report.
func features(t *testing.T, args ...string) jsonReport {
	t.Helper()
	out := filepath.Join(t.TempDir(), "f.png")
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(append(args, "-json", "-out", out), &stdout, &stderr), stderr.String())
	assert.Contains(t, stderr.String(), "wrote "+out)
	dec := json.NewDecoder(&stdout)
	var rep jsonReport
	require.NoError(t, dec.Decode(&rep))
	require.False(t, dec.More(), "one object only")
	assert.Equal(t, out, rep.Out)
	_, err := os.Stat(out)
	require.NoError(t, err)
	return rep
}

// -json lists, per panel, the channels shown and their mean activations.
// The numbers are checked against what they must satisfy: the top
// channels have the largest means, the residual panels share the output's
// channels, an identity shortcut equals the input, and since ReLU(a) >= a,
// each output mean is at least the mainstream's plus the shortcut's.
func TestFeaturesJSON(t *testing.T) {
	model := checkpoint(t)
	img := sampleImage(t)
	base := []string{"-model", model, "-image", img, "-size", "48"}
	tests := []struct {
		name     string
		args     []string
		identity bool  // the unit's shortcut is the identity
		channels []int // -channels, shown in the residual panels
	}{
		{"identity shortcut", []string{"-unit", "layer1.1", "-top", "4"}, true, nil},
		{"downsample", []string{"-unit", "layer2.0", "-top", "5"}, false, nil},
		{"chosen channels", []string{"-unit", "layer2.1", "-top", "3", "-channels", "7,2"}, true, []int{7, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := features(t, append(base, tc.args...)...)
			assert.Equal(t, tc.args[1], rep.Unit)
			assert.Equal(t, img, rep.Image)
			require.Len(t, rep.Panels, 5)
			byName := map[string]panelReport{}
			for i, name := range []string{"input", "conv1", "conv2", "shortcut", "output"} {
				p := rep.Panels[i]
				assert.Equal(t, name, p.Panel)
				require.Len(t, p.Means, len(p.Channels))
				byName[name] = p
			}
			assert.Equal(t, rep.Unit, byName["output"].Tap)
			assert.Equal(t, rep.Unit+".shortcut", byName["shortcut"].Tap)

			out := byName["output"]
			if tc.channels != nil {
				assert.Equal(t, tc.channels, out.Channels)
			} else {
				assert.Len(t, out.Channels, len(byName["conv1"].Channels))
				assert.IsNonIncreasing(t, out.Means, "top channels, largest mean first")
			}
			assert.IsNonIncreasing(t, byName["conv1"].Means, "conv1 shows its own top channels")
			for _, name := range []string{"conv2", "shortcut"} {
				assert.Equal(t, out.Channels, byName[name].Channels, "%s shares the output's channels", name)
			}
			for j, m := range out.Means {
				assert.GreaterOrEqual(t, m, 0.0, "output is after a ReLU")
				assert.GreaterOrEqual(t, m, byName["conv2"].Means[j]+byName["shortcut"].Means[j]-1e-5, "channel %d", out.Channels[j])
			}
			if tc.identity {
				assert.Equal(t, out.Channels, byName["input"].Channels)
				assert.InDeltaSlice(t, byName["input"].Means, byName["shortcut"].Means, 1e-6, "identity shortcut")
			} else {
				assert.IsNonIncreasing(t, byName["input"].Means, "the input shows its own top channels")
			}
		})
	}

	// The top 4 of layer1.1's 64 output channels lead the list of all 64.
	top := features(t, append(base, "-unit", "layer1.1", "-top", "4")...).Panels[4]
	all := features(t, append(base, "-unit", "layer1.1", "-top", "64")...).Panels[4]
	require.Len(t, all.Channels, 64)
	assert.Equal(t, all.Channels[:4], top.Channels)
	assert.Equal(t, all.Means[:4], top.Means)
}
