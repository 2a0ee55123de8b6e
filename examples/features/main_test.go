package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

func TestFeatures(t *testing.T) {
	img := filepath.Join("..", "..", defaultImage)
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
	img := filepath.Join("..", "..", defaultImage)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-unit", "layer2"}, `unit "layer2"`},
		{[]string{"-unit", "layer4.2"}, "layer4 of resnet18 has units 0..1"},
		{[]string{"-channels", "1,x"}, `"x" is not a channel number`},
		{[]string{"-channels", "999"}, "channel 999 out of range"},
		{[]string{"-size", "0"}, "-size 0"},
		{[]string{"-image", "missing.png"}, "missing.png"},
		{[]string{"stray"}, `unexpected argument "stray"`},
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
