package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/cam"
	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/examples/internal/bundled"
	"github.com/seedling-ml/seedling/examples/internal/modelflags"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// smallSize is the input side of the small model: layer4 is 2x2 on it.
const smallSize = 48

// smallCheckpoint saves a seeded random 3-class ResNet18 that reads
// 48-pixel images.
func smallCheckpoint(t *testing.T) string {
	t.Helper()
	m, err := resnet.New(resnet.ResNet18Arch, 3, 11)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "model.safetensors")
	require.NoError(t, resnet.SaveCheckpoint(path, m, resnet.Meta{Arch: resnet.ResNet18Arch, Classes: []string{"a", "b", "c"},
		InputSize: smallSize, Mean: dataset.ImageNetMean, Std: dataset.ImageNetStd}, nil))
	return path
}

// seedlingPNGs writes n small pictures of a green disc on brown soil.
func seedlingPNGs(t *testing.T, n int) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for i := range n {
		img := image.NewNRGBA(image.Rect(0, 0, 64, 56))
		cx, cy, r := 20+12*i, 28, 12+3*i
		for y := range 56 {
			for x := range 64 {
				c := color.NRGBA{120 + uint8(x%7), 85, 50, 255}
				if (x-cx)*(x-cx)+(y-cy)*(y-cy) < r*r {
					c = color.NRGBA{50, 170 - uint8(y), 40, 255}
				}
				img.SetNRGBA(x, y, c)
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("seedling%d.png", i))
		require.NoError(t, dataset.SavePNG(p, img))
		paths = append(paths, p)
	}
	return paths
}

// defaults is the config of a command line with no flags.
func defaults(stdout, stderr *bytes.Buffer) config {
	return config{
		model:  &modelflags.Flags{},
		method: "gradcam", layer: "layer4", samples: 16, seed: 1, batch: 8, colormap: "jet", alpha: 0.5,
		exg: cam.DefaultExGThreshold, scoreBatch: 16, workers: 2, stdout: stdout, stderr: stderr,
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		edit func(*config)
	}{
		{"defaults", nil, func(*config) {}},
		{"repeated -image, then positional files", []string{"-image", "a.png", "-image", "b.png", "c.png", "d.png"},
			func(c *config) { c.images = []string{"a.png", "b.png", "c.png", "d.png"} }},
		{"positional files only", []string{"-method", "saliency", "x.png", "y.png"},
			func(c *config) { c.method, c.images = "saliency", []string{"x.png", "y.png"} }},
		{"every knob", []string{"-model", "m.safetensors", "-method", "scorecam", "-layer", "layer3", "-class", "1,2",
			"-input", "x.safetensors", "-data", "val", "-samples", "5", "-seed", "9", "-batch", "2", "-out", "o.png",
			"-save-map", "m.st", "-json", "-colormap", "turbo", "-alpha", "0.25", "-exg", "0.2", "-score-batch", "4",
			"-workers", "3", "-show-mask"},
			func(c *config) {
				c.model.Model, c.method, c.layer, c.layerSet, c.class = "m.safetensors", "scorecam", "layer3", true, "1,2"
				c.input, c.data, c.samples, c.seed, c.batch, c.out = "x.safetensors", "val", 5, 9, 2, "o.png"
				c.saveMap, c.json, c.colormap, c.alpha, c.exg = "m.st", true, "turbo", 0.25, 0.2
				c.scoreBatch, c.workers, c.showMask = 4, 3, true
			}},
		{"model flags", []string{"-weights", "w.pth", "-arch", "resnet34", "-classes", "12"},
			func(c *config) { *c.model = modelflags.Flags{Weights: "w.pth", Arch: "resnet34", Classes: 12} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr := &bytes.Buffer{}, &bytes.Buffer{}
			got, err := parseFlags(tc.args, stdout, stderr)
			require.NoError(t, err)
			want := defaults(stdout, stderr)
			tc.edit(&want)
			assert.Equal(t, want, got)
			assert.Empty(t, stderr.String())
		})
	}
}

func TestParseFlagsErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in the error and the usage text on stderr
	}{
		{"unknown flag", []string{"-bogus"}, "flag provided but not defined: -bogus"},
		{"not a number", []string{"-samples", "many"}, `invalid value "many" for flag -samples`},
		{"missing value", []string{"-image"}, "flag needs an argument: -image"},
		{"help", []string{"-h"}, flag.ErrHelp.Error()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			_, err := parseFlags(tc.args, &bytes.Buffer{}, &stderr)
			require.ErrorContains(t, err, tc.want)
			assert.Equal(t, tc.name == "help", errors.Is(err, flag.ErrHelp))
			assert.Contains(t, stderr.String(), "usage: cam")
			assert.Contains(t, stderr.String(), "-score-batch")
		})
	}
}

// Every method through the program's entry on a small model: the PNG is
// written and decodes, and -save-map holds maps [N,H,W] in [0,1], each
// with a maximum of 1 unless -json reports it empty.
func TestEveryMethodThroughTheProgram(t *testing.T) {
	model := smallCheckpoint(t)
	pics := seedlingPNGs(t, 2)
	tests := []struct {
		method string
		args   []string // after the model and output flags
		layer  string   // reported
		n      int
	}{
		{"cam", []string{"-image", pics[0], pics[1]}, "layer4", 2},
		{"gradcam", []string{"-class", "c,0", "-image", pics[0], "-image", pics[1]}, "layer4", 2},
		{"gradcam++", []string{"-layer", "layer3", "-colormap", "turbo", pics[0], pics[1]}, "layer3", 2},
		// Score-CAM forwards one masked input per channel: layer1's 64.
		{"scorecam", []string{"-layer", "layer1", "-score-batch", "16", "-workers", "2", pics[0]}, "layer1", 1},
		{"saliency", []string{"-show-mask", pics[0], pics[1]}, "input", 2},
	}
	for _, tc := range tests {
		t.Run(tc.method, func(t *testing.T) {
			dir := t.TempDir()
			out, maps := filepath.Join(dir, "out.png"), filepath.Join(dir, "maps.safetensors")
			var stdout, stderr bytes.Buffer
			args := append([]string{"-model", model, "-method", tc.method, "-out", out, "-save-map", maps, "-json"}, tc.args...)
			require.NoError(t, runArgs(args, &stdout, &stderr), stderr.String())
			requirePNG(t, out)
			assert.Contains(t, stderr.String(), "cam: wrote "+out)

			var rep report
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))
			assert.Equal(t, tc.method, rep.Method)
			assert.Equal(t, tc.layer, rep.Layer)
			require.Len(t, rep.Images, tc.n)
			for i, im := range rep.Images {
				assert.Equal(t, pics[i], im.Source)
				assert.True(t, im.PlantCover > 0, "the green disc is plant")
				assert.True(t, im.OnPlant >= 0 && im.OnPlant <= 1)
			}

			st, err := nn.ReadSafetensors(maps)
			require.NoError(t, err)
			m := st.Floats["map"]
			require.NotNil(t, m, "tensor \"map\" in %v", st.Names())
			require.Equal(t, []int{tc.n, smallSize, smallSize}, m.Shape)
			plane, empty := smallSize*smallSize, 0
			for i := range tc.n {
				hi := float32(0)
				for _, v := range m.Data[i*plane : (i+1)*plane] {
					require.True(t, v >= 0 && v <= 1, "map %d has %v", i, v)
					hi = max(hi, v)
				}
				// Each map is normalised on its own, or all zeros when flat
				// (a Grad-CAM ReLU can cut every channel).
				if rep.Images[i].EmptyMap {
					assert.Zero(t, hi, "map %d is reported empty", i)
					empty++
				} else {
					assert.Equal(t, float32(1), hi, "map %d", i)
				}
			}
			assert.Less(t, empty, tc.n, "at least one map has a peak")
			if tc.method == "gradcam" {
				assert.Equal(t, 2, rep.Images[0].Target, "-class c")
				assert.Equal(t, 0, rep.Images[1].Target, "-class 0")
			}
		})
	}
}

// With no inputs the program's defaults explain -samples' default of 16
// samples of the bundled val tree, spread over its classes.
func TestBundledDataThroughTheProgram(t *testing.T) {
	model := smallCheckpoint(t)
	val, err := bundled.Path("val")
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	require.NoError(t, runArgs([]string{"-model", model, "-json"}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stderr.String(), "explaining 16 samples of the bundled val tree "+val)
	var rep report
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))
	require.Len(t, rep.Images, 16)
	classes := map[string]bool{}
	for _, im := range rep.Images {
		assert.Equal(t, val, filepath.Dir(filepath.Dir(im.Source)))
		classes[im.True] = true
	}
	assert.Len(t, classes, 12, "16 samples reach every one of the 12 classes")
	assert.Len(t, rep.Ranked, 16)
}
