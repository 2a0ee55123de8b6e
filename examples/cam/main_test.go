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

	"github.com/seedling-ml/seedling/cam"
	"github.com/seedling-ml/seedling/examples/internal/bundled"
	"github.com/seedling-ml/seedling/examples/internal/modelflags"
	"github.com/seedling-ml/seedling/internal/numcheck"
	"github.com/seedling-ml/seedling/internal/shared"
	"github.com/seedling-ml/seedling/nn"
)

func baseConfig(t *testing.T) config {
	return config{
		model:  &modelflags.Flags{Weights: shared.Path(t, "reference/resnet18_seedlings.pth"), Arch: "resnet18"},
		method: "gradcam", layer: "layer4", batch: 8, colormap: "jet", alpha: 0.5,
		exg: cam.DefaultExGThreshold, scoreBatch: 16, workers: 2, samples: 3, seed: 1,
		stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{},
	}
}

// The raw-tensor path with one class per image reproduces PyTorch's
// Grad-CAM maps of the reference batch.
func TestRawTensorGradCAMMatchesPyTorch(t *testing.T) {
	cfg := baseConfig(t)
	io := shared.Path(t, "reference/resnet18_io.safetensors")
	dir := t.TempDir()
	cfg.input, cfg.class = io, "3,7"
	cfg.saveMap = filepath.Join(dir, "map.safetensors")
	cfg.out = filepath.Join(dir, "grid.png")
	cfg.json = true
	out := &bytes.Buffer{}
	cfg.stdout = out
	require.NoError(t, run(cfg))

	got, err := nn.ReadSafetensors(cfg.saveMap)
	require.NoError(t, err)
	ref, err := nn.ReadSafetensors(io)
	require.NoError(t, err)
	require.Equal(t, []int{2, 224, 224}, got.Floats["map"].Shape)
	e := numcheck.RelL2(got.Floats["map"].Data, ref.Floats["gradcam/map"].Data)
	t.Logf("rel. L2 gradcam/map through the program: %.2e", e)
	assert.LessOrEqual(t, e, 1e-3)

	var rep report
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep))
	require.Len(t, rep.Images, 2)
	assert.Equal(t, 3, rep.Images[0].Target)
	assert.Equal(t, 7, rep.Images[1].Target)
	assert.Len(t, rep.Images[0].Probabilities, 12)
	assert.ElementsMatch(t, []int{0, 1}, rep.Ranked)
	requirePNG(t, cfg.out)
}

// The folder path explains a few real seedlings, writes both grids and
// ranks the samples by on-plant fraction.
func TestDataGridAndRanking(t *testing.T) {
	cfg := baseConfig(t)
	cfg.data = shared.Path(t, "data/seedlings/val")
	cfg.method = "cam"
	cfg.showMask = true
	cfg.out = filepath.Join(t.TempDir(), "grid.png")
	cfg.json = true
	out := &bytes.Buffer{}
	cfg.stdout = out
	require.NoError(t, run(cfg))
	requirePNG(t, cfg.out)
	requirePNG(t, filepath.Join(filepath.Dir(cfg.out), "grid_ranked.png"))

	var rep report
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep))
	require.Len(t, rep.Images, 3)
	assert.Equal(t, "Black-grass", rep.Classes[0], "folder names replace the numeric names of .pth weights")
	seen := map[string]bool{}
	for _, im := range rep.Images {
		seen[im.True] = true
		assert.True(t, im.OnPlant >= 0 && im.OnPlant <= 1)
		assert.True(t, im.PlantCover > 0, "seedling photos have green pixels")
	}
	assert.Len(t, seen, 3, "samples are spread over the classes")
	for i := 1; i < len(rep.Ranked); i++ {
		assert.LessOrEqual(t, rep.Images[rep.Ranked[i-1]].OnPlant, rep.Images[rep.Ranked[i]].OnPlant)
	}
}

// A picked sample that cannot be read is left out with a warning naming
// it; the others are explained.
func TestDataSkipsBadFiles(t *testing.T) {
	src := shared.Path(t, "data/seedlings/val")
	classes, err := os.ReadDir(src)
	require.NoError(t, err)
	root := t.TempDir()
	for i, c := range classes {
		dir := filepath.Join(root, c.Name())
		require.NoError(t, os.Mkdir(dir, 0o755))
		if i == 0 {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "junk.png"), []byte("not a png"), 0o644))
			continue
		}
		files, err := os.ReadDir(filepath.Join(src, c.Name()))
		require.NoError(t, err)
		data, err := os.ReadFile(filepath.Join(src, c.Name(), files[0].Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, files[0].Name()), data, 0o644))
	}
	cfg := baseConfig(t)
	cfg.data, cfg.samples, cfg.json = root, len(classes), true
	var stdout, stderr bytes.Buffer
	cfg.stdout, cfg.stderr = &stdout, &stderr
	require.NoError(t, run(cfg))
	assert.Contains(t, stderr.String(), "cam: skipped unreadable image: ")
	assert.Contains(t, stderr.String(), "junk.png")
	var rep report
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))
	assert.Len(t, rep.Images, len(classes)-1)
}

// With none of -image, -input and -data the program explains samples of
// the bundled val tree, as with -data (it used to be an error).
func TestBundledDataByDefault(t *testing.T) {
	cfg := baseConfig(t)
	val, err := bundled.Path("val")
	require.NoError(t, err)
	cfg.json = true
	out, stderr := &bytes.Buffer{}, &bytes.Buffer{}
	cfg.stdout, cfg.stderr = out, stderr
	cfg.out = filepath.Join(t.TempDir(), "grid.png")
	require.NoError(t, run(cfg))
	assert.Contains(t, stderr.String(), "explaining 3 samples of the bundled val tree "+val)
	requirePNG(t, filepath.Join(filepath.Dir(cfg.out), "grid_ranked.png"))

	var rep report
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep))
	require.Len(t, rep.Images, 3)
	assert.Equal(t, "Black-grass", rep.Classes[0], "folder names replace the numeric names of .pth weights")
	for _, im := range rep.Images {
		assert.Equal(t, val, filepath.Dir(filepath.Dir(im.Source)))
		assert.Equal(t, filepath.Base(filepath.Dir(im.Source)), im.True)
	}
}

func TestFlagErrors(t *testing.T) {
	img := filepath.Join(shared.Path(t, "data/seedlings/val/Maize"), "115.png")
	tests := []struct {
		name string
		edit func(*config)
		want string
	}{
		{"two inputs", func(c *config) { c.images = []string{img}; c.input = "x.safetensors" }, "only one of"},
		{"images and data", func(c *config) { c.images = []string{img}; c.data = "val" }, "only one of"},
		{"bad method", func(c *config) { c.images = []string{img}; c.method = "lime" }, "unknown method"},
		{"bad class", func(c *config) { c.images = []string{img}; c.class = "Cactus" }, "neither a class name"},
		{"too many classes", func(c *config) { c.images = []string{img}; c.class = "1,2" }, "2 classes for 1 images"},
		{"layer with saliency", func(c *config) { c.images = []string{img}; c.method = "saliency"; c.layer, c.layerSet = "layer3", true }, "-layer layer3: saliency explains the input pixels"},
		{"bad layer", func(c *config) { c.images = []string{img}; c.layer = "layer7" }, `-layer: resnet: unknown tap "layer7"`},
		{"missing file", func(c *config) { c.images = []string{"/nonexistent.png"} }, "nonexistent.png"},
		// Checked before any work: the message names the flag and the
		// folder, and nothing about the samples is printed first.
		{"zero samples", func(c *config) { c.samples = 0 }, "-samples 0 must be positive"},
		{"negative samples", func(c *config) { c.data = "val"; c.samples = -3 }, "-samples -3 must be positive"},
		{"missing output folder", func(c *config) { c.images = []string{img}; c.out = "/nonexistent-dir/grid.png" }, "-out /nonexistent-dir/grid.png: folder /nonexistent-dir"},
		{"missing map folder", func(c *config) { c.images = []string{img}; c.saveMap = "/nonexistent-dir/m.safetensors" }, "-save-map /nonexistent-dir/m.safetensors"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig(t)
			var stderr bytes.Buffer
			cfg.stderr = &stderr
			tc.edit(&cfg)
			assert.ErrorContains(t, run(cfg), tc.want)
			assert.NotContains(t, stderr.String(), "explaining", "errors come before any work is announced")
		})
	}
}

func requirePNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	_, err = png.Decode(f)
	require.NoError(t, err, path)
}
