package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
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

// checkpoint saves a random ResNet18 in the Seedling format and returns
// its path.
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

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	return img
}

func TestDreamModes(t *testing.T) {
	model := checkpoint(t)
	img := sampleImage(t)
	tests := []struct {
		name     string
		args     []string
		size     image.Point
		progress []string
	}{
		{"one layer", []string{"-layer", "layer2", "-size", "40", "-octaves", "2", "-steps", "2"}, image.Pt(40, 40),
			[]string{"layer2: octave 1/2 29x29", "layer2: octave 2/2 40x40"}},
		{"channel and own size", []string{"-layer", "layer3", "-channel", "3,7", "-size", "0", "-octaves", "1", "-steps", "1"}, image.Pt(128, 128),
			[]string{"layer3: octave 1/1 128x128"}},
		{"channels from noise", []string{"-mode", "channels", "-layer", "layer2", "-channel", "0,1,2", "-size", "24", "-cols", "3", "-octaves", "2", "-steps", "1"}, image.Point{},
			[]string{"layer2 channel 0: objective", "layer2 channel 2: objective"}},
		{"one neuron", []string{"-mode", "neuron", "-layer", "layer2.1.bn2", "-channel", "5", "-at", "1,2", "-size", "32", "-octaves", "2", "-steps", "2"}, image.Pt(32, 32),
			[]string{"layer2.1.bn2 channel 5 neuron: objective"}},
		{"neuron at the centre", []string{"-mode", "neuron", "-layer", "layer3", "-channel", "0", "-size", "32", "-octaves", "1", "-steps", "1"}, image.Pt(32, 32),
			[]string{"layer3 channel 0 neuron: objective"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.png")
			var stdout, stderr bytes.Buffer
			args := append([]string{"-model", model, "-image", img, "-out", out}, tc.args...)
			require.NoError(t, run(args, &stdout, &stderr), stderr.String())
			assert.Contains(t, stdout.String(), "wrote "+out)
			for _, p := range tc.progress {
				assert.Contains(t, stderr.String(), p)
			}
			pic := readPNG(t, out)
			if tc.size != (image.Point{}) {
				assert.Equal(t, tc.size, pic.Bounds().Size())
			} else {
				assert.Greater(t, pic.Bounds().Dx(), 3*24, "three tiles in a row")
			}
		})
	}
}

// Several layers of the reference model on a real seedling: the original
// and one dream per layer side by side.
func TestDreamFigureReference(t *testing.T) {
	weights := shared.Path(t, "reference/resnet18_seedlings.pth")
	img := sampleImage(t)
	out := filepath.Join(t.TempDir(), "fig.png")
	var stdout, stderr bytes.Buffer
	args := []string{"-weights", weights, "-arch", "resnet18", "-classes", "12", "-image", img,
		"-layer", "layer2", "-layer", "layer4", "-size", "64", "-octaves", "2", "-steps", "2", "-out", out}
	require.NoError(t, run(args, &stdout, &stderr), stderr.String())
	assert.Contains(t, stderr.String(), "layer4: octave 2/2 64x64")
	pic := readPNG(t, out)
	assert.Greater(t, pic.Bounds().Dx(), 3*64, "three panels side by side")
	assert.Less(t, pic.Bounds().Dy(), 2*64, "in one row")
}

func TestDreamFlagErrors(t *testing.T) {
	model := checkpoint(t)
	img := sampleImage(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad mode", []string{"-mode", "x"}, `-mode "x"`},
		{"bad channel", []string{"-channel", "two"}, `-channel "two"`},
		{"bad objective", []string{"-objective", "max"}, `-objective "max"`},
		{"bad layer", []string{"-layer", "layer9", "-size", "32"}, `-layer: resnet: unknown tap "layer9"`},
		{"channel out of range", []string{"-layer", "layer2", "-channel", "500", "-size", "32"}, "channel 500 out of range"},
		{"negative size", []string{"-size", "-3"}, "-size -3"},
		{"two layers in channels mode", []string{"-mode", "channels", "-layer", "layer2,layer3"}, "one -layer"},
		{"two layers in neuron mode", []string{"-mode", "neuron", "-layer", "layer2,layer3", "-channel", "1"}, "one -layer"},
		{"neuron without channel", []string{"-mode", "neuron", "-layer", "layer2"}, "exactly one -channel, got 0"},
		{"neuron with two channels", []string{"-mode", "neuron", "-layer", "layer2", "-channel", "1,2"}, "exactly one -channel, got 2"},
		{"-at outside neuron mode", []string{"-at", "1,1"}, "-at is for -mode neuron"},
		{"bad -at", []string{"-mode", "neuron", "-layer", "layer2", "-channel", "1", "-at", "3"}, `-at "3": want column,row`},
		{"negative -at", []string{"-mode", "neuron", "-layer", "layer2", "-channel", "1", "-at", "-1,2"}, "non-negative"},
		{"-at outside the tap", []string{"-mode", "neuron", "-layer", "layer4", "-channel", "1", "-at", "40,0", "-size", "32"}, "40"},
		{"missing image", []string{"-image", "nope.png"}, "nope.png"},
		{"zero octaves", []string{"-octaves", "0", "-size", "32"}, "-octaves 0: must be >= 1"},
		{"negative steps", []string{"-steps", "-2", "-size", "32"}, "-steps -2: must be >= 0"},
		{"negative lr", []string{"-lr", "-0.5", "-size", "32"}, "-lr -0.5: must be a finite value >= 0"},
		{"negative jitter", []string{"-jitter", "-1", "-size", "32"}, "-jitter -1: must be >= 0"},
		{"octave scale 1", []string{"-octave-scale", "1", "-size", "32"}, "-octave-scale 1: must be a finite value > 1"},
		{"negative smooth", []string{"-smooth", "-1", "-size", "32"}, "-smooth -1: must be a finite value >= 0"},
		{"negative tile size", []string{"-tile-size", "-5", "-size", "32"}, "-tile-size -5: must be >= 0"},
		{"stray argument", []string{"extra"}, `unexpected argument "extra"`},
		{"unknown flag", []string{"-bogus"}, "bogus"},
		{"missing output folder", []string{"-out", "/nonexistent-dir/d.png"}, "-out /nonexistent-dir/d.png: folder /nonexistent-dir"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.png")
			args := append([]string{"-model", model, "-image", img, "-out", out}, tc.args...)
			err := run(args, &bytes.Buffer{}, &bytes.Buffer{})
			require.ErrorContains(t, err, tc.want)
			_, statErr := os.Stat(out)
			assert.True(t, os.IsNotExist(statErr), "no output on error")
		})
	}
}

// Without -image the program dreams on the bundled photo, from the
// package's folder and from a folder further below the repository root
// (the old default, a path relative to the root, failed in both).
func TestDreamDefaultImageFromSubfolders(t *testing.T) {
	model := checkpoint(t)
	want := readPNG(t, sampleImage(t)).Bounds().Size()
	for _, dir := range []string{".", filepath.Join("..", "internal", "bundled")} {
		t.Run(dir, func(t *testing.T) {
			t.Chdir(dir)
			out := filepath.Join(t.TempDir(), "out.png")
			var stdout, stderr bytes.Buffer
			args := []string{"-model", model, "-out", out, "-layer", "layer2", "-size", "0", "-octaves", "1", "-steps", "0"}
			require.NoError(t, run(args, &stdout, &stderr), stderr.String())
			assert.Equal(t, want, readPNG(t, out).Bounds().Size(), "the photo at its own size")
		})
	}
}

// -json writes one object on stdout: the output path and, per layer or per
// channel, the objective at the first and the last step, the same values
// the progress lines print.
func TestDreamJSON(t *testing.T) {
	model := checkpoint(t)
	img := sampleImage(t)
	tests := []struct {
		name      string
		args      []string
		objective string
		want      []string // layer of each entry
		channels  []int
		steps     int
	}{
		{"two layers", []string{"-layer", "layer2,layer3", "-size", "40", "-octaves", "2", "-steps", "3"},
			"mean-square", []string{"layer2", "layer3"}, nil, 6},
		{"channels", []string{"-mode", "channels", "-layer", "layer2", "-channel", "4,9", "-size", "24", "-octaves", "1", "-steps", "2"},
			"mean", []string{"layer2", "layer2"}, []int{4, 9}, 2},
		{"no steps", []string{"-layer", "layer1", "-size", "32", "-octaves", "1", "-steps", "0"},
			"mean-square", []string{"layer1"}, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.png")
			var stdout, stderr bytes.Buffer
			args := append([]string{"-model", model, "-image", img, "-out", out, "-json"}, tc.args...)
			require.NoError(t, run(args, &stdout, &stderr), stderr.String())
			readPNG(t, out)

			dec := json.NewDecoder(&stdout)
			var rep jsonReport
			require.NoError(t, dec.Decode(&rep))
			assert.False(t, dec.More(), "one object only")
			assert.Equal(t, out, rep.Out)
			assert.Equal(t, tc.objective, rep.Objective)
			require.Len(t, rep.Objectives, len(tc.want))
			for i, o := range rep.Objectives {
				assert.Equal(t, tc.want[i], o.Layer)
				assert.Equal(t, tc.steps, o.Steps)
				if tc.steps == 0 {
					assert.Zero(t, o.First)
					assert.Zero(t, o.Last)
					continue
				}
				assert.NotZero(t, o.Last)
				if tc.channels != nil {
					require.NotNil(t, o.Channel)
					assert.Equal(t, tc.channels[i], *o.Channel)
					assert.Contains(t, stderr.String(), fmt.Sprintf("%s channel %d: objective %.4g", o.Layer, *o.Channel, o.Last))
					continue
				}
				assert.Nil(t, o.Channel)
				assert.Greater(t, o.Last, o.First, "%s: gradient ascent raises the objective", o.Layer)
				assert.Contains(t, stderr.String(), fmt.Sprintf("%s: octave 1/2 29x29 objective %.4g ->", o.Layer, o.First))
				assert.Regexp(t, fmt.Sprintf(`%s: octave 2/2 40x40 objective \S+ -> %.4g\n`, o.Layer, o.Last), stderr.String())
			}
		})
	}
}
