package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/examples/internal/bundled"
	"github.com/seedling-ml/seedling/internal/shared"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

var classes = []string{"blue", "green", "red"}

// checkpoint saves an untrained 3-class model at 32 px.
func checkpoint(t *testing.T) string {
	t.Helper()
	m, err := resnet.New(resnet.ResNet18Arch, 3, 4)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "model.safetensors")
	require.NoError(t, resnet.SaveCheckpoint(path, m, resnet.Meta{Arch: resnet.ResNet18Arch, Classes: classes,
		InputSize: 32, Mean: dataset.ImageNetMean, Std: dataset.ImageNetStd}, nil))
	return path
}

// writeImages writes n small PNGs into dir and returns their paths.
func writeImages(t *testing.T, dir string, n int, c color.NRGBA) []string {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	var paths []string
	for i := range n {
		img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
		for p := 0; p < len(img.Pix); p += 4 {
			d := uint8((p/4*5 + i*11) % 50)
			img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = c.R+d, c.G, c.B-d/2, 255
		}
		path := filepath.Join(dir, fmt.Sprintf("%d.png", i))
		require.NoError(t, dataset.SavePNG(path, img))
		paths = append(paths, path)
	}
	return paths
}

// tree writes an ImageFolder tree of the three classes with n images each.
func tree(t *testing.T, n int) string {
	t.Helper()
	root := t.TempDir()
	writeImages(t, filepath.Join(root, "blue"), n, color.NRGBA{20, 40, 200, 255})
	writeImages(t, filepath.Join(root, "green"), n, color.NRGBA{30, 180, 50, 255})
	writeImages(t, filepath.Join(root, "red"), n, color.NRGBA{190, 30, 60, 255})
	return root
}

type row struct {
	Path  string `json:"path"`
	Label string `json:"label"`
	True  string `json:"true"`
	Top   []struct {
		Class string  `json:"class"`
		Prob  float32 `json:"prob"`
	} `json:"top"`
}

func jsonRows(t *testing.T, out string) []row {
	t.Helper()
	var rows []row
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var r row
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r), sc.Text())
		rows = append(rows, r)
	}
	return rows
}

// Files and folders of images are classified in argument order, as text
// or JSON lines with the top -top classes.
func TestPredictFilesAndFolders(t *testing.T) {
	model := checkpoint(t)
	dir := t.TempDir()
	single := writeImages(t, filepath.Join(dir, "one"), 1, color.NRGBA{100, 100, 100, 255})[0]
	folder := filepath.Join(dir, "many")
	many := writeImages(t, folder, 3, color.NRGBA{30, 180, 50, 255})
	want := append([]string{single}, many...)

	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-model", model, single, folder}, &stdout, &stderr))
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.Len(t, lines, 4)
	line := regexp.MustCompile(`^(.+): (blue|green|red)  (blue|green|red) \d+\.\d%, (blue|green|red) \d+\.\d%, (blue|green|red) \d+\.\d%$`)
	for i, l := range lines {
		m := line.FindStringSubmatch(l)
		require.NotNil(t, m, l)
		assert.Equal(t, want[i], m[1])
		assert.Equal(t, m[2], m[3], "the label is the top class")
	}

	for _, top := range []int{1, 2, 0} {
		stdout.Reset()
		require.NoError(t, run(context.Background(), []string{"-model", model, "-json", "-top", fmt.Sprint(top), "-batch", "2", single, folder}, &stdout, &stderr))
		rows := jsonRows(t, stdout.String())
		require.Len(t, rows, 4)
		for i, r := range rows {
			assert.Equal(t, want[i], r.Path)
			n := top
			if top == 0 {
				n = 3
			}
			require.Len(t, r.Top, n)
			assert.Equal(t, r.Label, r.Top[0].Class)
			assert.Empty(t, r.True)
			if top == 0 {
				assert.InDelta(t, 1, r.Top[0].Prob+r.Top[1].Prob+r.Top[2].Prob, 1e-5)
			}
		}
	}
}

// An ImageFolder tree gets a report: accuracy, per-class scores and the
// confusion matrix, consistent with the per-image predictions.
func TestPredictTree(t *testing.T) {
	model := checkpoint(t)
	root := tree(t, 2)
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-model", model, "-json", root}, &stdout, &stderr))
	rows := jsonRows(t, stdout.String())
	require.Len(t, rows, 6)
	right := 0
	for _, r := range rows {
		assert.Equal(t, filepath.Base(filepath.Dir(r.Path)), r.True)
		if r.True == r.Label {
			right++
		}
	}
	report := stderr.String()
	assert.Contains(t, report, fmt.Sprintf("accuracy %.1f%% (%d of 6 images)", 100*float64(right)/6, right))
	assert.Contains(t, report, "confusion matrix")
	for _, c := range classes {
		assert.Regexp(t, `(?m)^`+c+` +\d  +\d+\.\d%  +\d+\.\d%  +2$`, report)
	}

	stdout.Reset()
	stderr.Reset()
	require.NoError(t, run(context.Background(), []string{"-model", model, root}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), "accuracy")
	assert.Regexp(t, `\((right|WRONG, is (blue|green|red))\)`, stdout.String())
	assert.Empty(t, stderr.String())
}

// Without arguments the bundled val tree is classified and reported, from
// the package's folder and from a folder further below the repository root.
func TestPredictBundledTreeByDefault(t *testing.T) {
	val, err := bundled.Path("val")
	require.NoError(t, err)
	entries, err := os.ReadDir(val)
	require.NoError(t, err)
	var names []string
	images := 0
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
			files, err := os.ReadDir(filepath.Join(val, e.Name()))
			require.NoError(t, err)
			images += len(files)
		}
	}
	require.Len(t, names, 12)
	m, err := resnet.New(resnet.ResNet18Arch, len(names), 4)
	require.NoError(t, err)
	model := filepath.Join(t.TempDir(), "model.safetensors")
	require.NoError(t, resnet.SaveCheckpoint(model, m, resnet.Meta{Arch: resnet.ResNet18Arch, Classes: names,
		InputSize: 32, Mean: dataset.ImageNetMean, Std: dataset.ImageNetStd}, nil))

	for _, dir := range []string{".", filepath.Join("..", "internal", "bundled")} {
		t.Run(dir, func(t *testing.T) {
			t.Chdir(dir)
			var stdout, stderr bytes.Buffer
			require.NoError(t, run(context.Background(), []string{"-model", model, "-json", "-top", "1"}, &stdout, &stderr))
			assert.Contains(t, stderr.String(), "no images given; classifying the bundled val tree "+val)
			rows := jsonRows(t, stdout.String())
			require.Len(t, rows, images)
			right := 0
			for _, r := range rows {
				assert.Equal(t, val, filepath.Dir(filepath.Dir(r.Path)))
				assert.Equal(t, filepath.Base(filepath.Dir(r.Path)), r.True)
				if r.True == r.Label {
					right++
				}
			}
			assert.Contains(t, stderr.String(), fmt.Sprintf("%s: accuracy %.1f%% (%d of %d images)", val, 100*float64(right)/float64(images), right, images))
		})
	}
}

func TestPredictErrors(t *testing.T) {
	model := checkpoint(t)
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.jpg")
	require.NoError(t, os.WriteFile(junk, []byte("no jpeg"), 0o644))
	odd := filepath.Join(t.TempDir(), "odd")
	require.NoError(t, os.MkdirAll(filepath.Join(odd, "cats"), 0o755))
	empty := t.TempDir()
	zipFile := filepath.Join(dir, "resnet18.pth")
	require.NoError(t, os.WriteFile(zipFile, []byte("PK\x03\x04 not a real archive"), 0o644))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no model", []string{junk}, "-model or -weights is required"},
		{"both model and weights", []string{"-model", model, "-weights", model, junk}, "not both"},
		{"weights given as the model", []string{"-model", zipFile, junk}, "pass it as weights (-weights"},
		{"checkpoint given as weights", []string{"-weights", model, junk}, "pass it as the model (-model"},
		{"no inputs: the bundled tree, not of the model's classes", []string{"-model", model}, "are not classes of the model"},
		{"bad top", []string{"-model", model, "-top", "-1", junk}, "-top"},
		{"bad batch", []string{"-model", model, "-batch", "0", junk}, "-batch"},
		{"missing model", []string{"-model", filepath.Join(dir, "none.safetensors"), junk}, "none.safetensors"},
		{"bad image with -fail-on-bad-files", []string{"-model", model, "-fail-on-bad-files", junk}, "junk.jpg"},
		{"missing image", []string{"-model", model, filepath.Join(dir, "gone.png")}, "gone.png"},
		{"folder of other things", []string{"-model", model, odd}, "cats"},
		{"empty folder", []string{"-model", model, empty}, empty},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), tc.args, &bytes.Buffer{}, &bytes.Buffer{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// By default an unreadable image is left out with a warning naming it, in
// a list of files as in a tree, whose accuracy counts the rest.
func TestPredictSkipsBadFiles(t *testing.T) {
	model := checkpoint(t)
	root := tree(t, 2)
	junk := filepath.Join(root, "green", "junk.png")
	require.NoError(t, os.WriteFile(junk, []byte("not a png"), 0o644))
	good := writeImages(t, t.TempDir(), 1, color.NRGBA{R: 200, G: 30, B: 30})

	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-model", model, "-json", junk, good[0]}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "predict: skipped unreadable image: ")
	assert.Contains(t, stderr.String(), "junk.png")
	assert.Len(t, jsonRows(t, stdout.String()), 1)

	stdout.Reset()
	stderr.Reset()
	require.NoError(t, run(context.Background(), []string{"-model", model, root}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "junk.png")
	assert.Contains(t, stdout.String(), "of 6 images)")
	assert.Contains(t, stdout.String(), "(1 unreadable images left out)")
}

// A checkpoint trained on the real seedlings scores the val tree with the
// accuracy the training run reported (written by examples/finetune; set
// SEEDLING_PREDICT_RUN to its folder to check one).
func TestPredictSeedlingsRun(t *testing.T) {
	val := shared.Path(t, "data/seedlings/val")
	dir := os.Getenv("SEEDLING_PREDICT_RUN")
	if dir == "" {
		t.Skip("set SEEDLING_PREDICT_RUN to a finetune output folder trained on seedlings")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	require.NoError(t, err)
	var m struct {
		ValAccuracy float64 `json:"val_accuracy"`
		ValImages   int     `json:"val_images"`
	}
	require.NoError(t, json.Unmarshal(raw, &m))
	var stdout bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-model", filepath.Join(dir, "model.safetensors"), val}, &stdout, &bytes.Buffer{}))
	right := int(m.ValAccuracy*float64(m.ValImages) + 0.5)
	assert.Contains(t, stdout.String(), fmt.Sprintf("accuracy %.1f%% (%d of %d images)", 100*m.ValAccuracy, right, m.ValImages))
}

// torchvision-format weights (no class names) classify with ImageNet
// preprocessing; a tree with one folder per output names the classes.
func TestPredictWeights(t *testing.T) {
	m, err := resnet.New(resnet.ResNet18Arch, len(classes), 4)
	require.NoError(t, err)
	floats, ints := m.StateDict()
	weights := filepath.Join(t.TempDir(), "resnet18-3.safetensors")
	require.NoError(t, nn.WriteSafetensors(weights, floats, ints, nil))
	root := tree(t, 2)

	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-weights", weights, "-json", root}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "predict: the weights have no class names; using the 3 folder names of "+root)
	assert.Contains(t, stderr.String(), "accuracy")
	rows := jsonRows(t, stdout.String())
	require.Len(t, rows, 6)
	for _, r := range rows {
		assert.Equal(t, filepath.Base(filepath.Dir(r.Path)), r.True)
		assert.Contains(t, classes, r.Label)
	}

	// Loose images keep the placeholder names.
	stdout.Reset()
	stderr.Reset()
	images := writeImages(t, t.TempDir(), 2, color.NRGBA{R: 200, G: 30, B: 30})
	require.NoError(t, run(context.Background(), append([]string{"-weights", weights, "-json"}, images...), &stdout, &stderr))
	assert.NotContains(t, stderr.String(), "folder names")
	assert.Contains(t, stderr.String(), "predict: the weights have no class names; classes are printed as indices 0..2")
	rows = jsonRows(t, stdout.String())
	require.Len(t, rows, 2)
	for _, r := range rows {
		assert.Contains(t, []string{"0", "1", "2"}, r.Label)
	}
}
