package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/examples/internal/bundled"
)

// tinyConfig is the bundled data with the smallest settings that still
// exercise every step.
func tinyConfig(t *testing.T) config {
	t.Helper()
	cfg, err := parseFlags([]string{"-quick", "-size", "32", "-epochs", "1", "-samples", "3", "-out", t.TempDir()}, os.Stderr)
	require.NoError(t, err)
	cfg.DreamSize, cfg.DreamSteps, cfg.DreamOctaves, cfg.UnitChannels, cfg.DisplaySize = 64, 2, 2, 4, 64
	return cfg
}

func TestTourWritesEveryPictureAndAPageThatLinksThem(t *testing.T) {
	cfg := tinyConfig(t)
	var stdout, stderr bytes.Buffer
	require.NoError(t, tour(context.Background(), cfg, &stdout, &stderr), stderr.String())
	assert.Contains(t, stdout.String(), "validation accuracy")
	assert.Contains(t, stderr.String(), "epoch 1/1")

	page, err := os.ReadFile(filepath.Join(cfg.Out, indexFile))
	require.NoError(t, err)
	srcs := regexp.MustCompile(`<img src="([^"]+)"`).FindAllStringSubmatch(string(page), -1)
	// Montage, curves, confusion, dream, two units, CAM grid, ranked list.
	require.Len(t, srcs, 8)
	for _, m := range srcs {
		src := m[1]
		assert.False(t, filepath.IsAbs(src), "link %s must be relative", src)
		f, err := os.Open(filepath.Join(cfg.Out, filepath.FromSlash(src)))
		require.NoError(t, err, "page links %s", src)
		img, err := png.Decode(f)
		f.Close()
		require.NoError(t, err, src)
		assert.Positive(t, img.Bounds().Dx(), src)
	}

	var metrics struct {
		Training struct {
			ValAccuracy float64 `json:"val_accuracy"`
			Epochs      []any   `json:"epochs"`
			Confusion   [][]int `json:"confusion"`
		} `json:"training"`
		Samples []struct {
			OnPlant float64 `json:"gradcam_on_plant"`
			Cover   float64 `json:"plant_cover"`
		} `json:"cam_samples"`
		Ranked []int `json:"ranked_looks_wrong"`
		Dreams []struct {
			Layer     string     `json:"layer"`
			Objective [2]float32 `json:"objective_input_dream"`
			Octaves   []struct {
				Height, Width int
				First, Last   float32
			} `json:"octaves"`
		} `json:"dreams"`
		Dream, LooksWrong struct {
			Caption string `json:"caption"`
		}
	}
	raw, err := os.ReadFile(filepath.Join(cfg.Out, metricsFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &metrics))
	assert.Len(t, metrics.Training.Epochs, 1)
	assert.Len(t, metrics.Training.Confusion, 12)
	assert.Len(t, metrics.Samples, 3)
	assert.ElementsMatch(t, []int{0, 1, 2}, metrics.Ranked)
	for i := 1; i < len(metrics.Ranked); i++ {
		assert.LessOrEqual(t, metrics.Samples[metrics.Ranked[i-1]].OnPlant, metrics.Samples[metrics.Ranked[i]].OnPlant, "ranked by on-plant share")
	}
	require.Len(t, metrics.Dreams, 3)
	for _, d := range metrics.Dreams {
		// Like with like: the same objective on the same full-size,
		// unshifted framing, for the input and for the dream.
		assert.Greater(t, d.Objective[1], d.Objective[0], "DeepDream raises the %s objective at full size", d.Layer)
		require.Len(t, d.Octaves, cfg.DreamOctaves, d.Layer)
		full := d.Octaves[len(d.Octaves)-1]
		assert.Equal(t, [2]int{cfg.DreamSize, cfg.DreamSize}, [2]int{full.Height, full.Width}, "the last octave is the full size")
		for i := 1; i < len(d.Octaves); i++ {
			assert.Less(t, d.Octaves[i-1].Width, d.Octaves[i].Width, "octaves smallest first")
		}
		// The captions give this run's numbers, not claims about the picture.
		assert.Contains(t, metrics.Dream.Caption, fmt.Sprintf("%s %.3g to %.3g", d.Layer, d.Objective[0], d.Objective[1]))
	}
	assert.Contains(t, metrics.Dream.Caption, fmt.Sprintf("over %d octaves", cfg.DreamOctaves))
	for _, i := range metrics.Ranked {
		assert.Contains(t, metrics.LooksWrong.Caption, fmt.Sprintf("%.0f%%", 100*metrics.Samples[i].OnPlant))
		assert.Contains(t, metrics.LooksWrong.Caption, fmt.Sprintf("%.0f%%", 100*metrics.Samples[i].Cover))
	}
	for _, claim := range []string{"amplifies", "whole shapes", "soil", "gravel", "pot edge", "label"} {
		assert.NotContains(t, metrics.Dream.Caption+metrics.LooksWrong.Caption, claim)
	}
}

func TestFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-data", t.TempDir()}, "want a folder with train/ and val/"},
		{[]string{"-size", "8"}, "-size 8 is too small"},
		{[]string{"-epochs", "-1"}, "-epochs -1"},
		{[]string{"-batch", "1"}, "-batch 1"},
		{[]string{"stray"}, "unexpected arguments"},
		{[]string{"-nope"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		_, err := parseFlags(tt.args, &bytes.Buffer{})
		require.Error(t, err, "%v", tt.args)
		assert.Contains(t, err.Error(), tt.want, "%v", tt.args)
	}
}

// A quick look writes beside a full tour, never over it, unless -out says.
func TestOutDefaults(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "out"},
		{[]string{"-quick"}, "out-quick"},
		{[]string{"-quick", "-out", "mine"}, "mine"},
		{[]string{"-out", "mine"}, "mine"},
	}
	for _, tt := range tests {
		cfg, err := parseFlags(tt.args, &bytes.Buffer{})
		require.NoError(t, err, "%v", tt.args)
		assert.Equal(t, tt.want, cfg.Out, "%v", tt.args)
	}
}

func TestCancelledRunStopsWithTheContextError(t *testing.T) {
	cfg := tinyConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := tour(ctx, cfg, &bytes.Buffer{}, &bytes.Buffer{})
	require.ErrorIs(t, err, context.Canceled)
}

// The bundled data's SOURCE.md lists exactly the files of its tree, class
// by class (the list the CC BY-SA attribution refers to).
func TestBundledSourceListsEveryFile(t *testing.T) {
	dir, err := bundled.DataDir()
	require.NoError(t, err)
	doc, err := os.ReadFile(filepath.Join(dir, "SOURCE.md"))
	require.NoError(t, err)
	listed := map[string][]string{}
	for _, m := range regexp.MustCompile("(?m)^- `[^`]+` -> `((?:train|val)/[^`]+)/`: ([^(]+) \\(all `.png`\\)$").FindAllStringSubmatch(string(doc), -1) {
		for _, name := range strings.Split(strings.TrimSpace(m[2]), ", ") {
			listed[m[1]] = append(listed[m[1]], name+".png")
		}
	}
	onDisk := map[string][]string{}
	for _, split := range []string{"train", "val"} {
		classes, err := os.ReadDir(filepath.Join(dir, split))
		require.NoError(t, err)
		for _, c := range classes {
			files, err := os.ReadDir(filepath.Join(dir, split, c.Name()))
			require.NoError(t, err)
			for _, f := range files {
				onDisk[split+"/"+c.Name()] = append(onDisk[split+"/"+c.Name()], f.Name())
			}
		}
	}
	require.Len(t, onDisk, 24)
	for k, names := range onDisk {
		assert.ElementsMatch(t, names, listed[k], "SOURCE.md's list for %s", k)
	}
	assert.Len(t, listed, len(onDisk))
}
