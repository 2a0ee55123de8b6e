package main

import (
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/examples/internal/modelflags"
	"github.com/seedling-ml/seedling/internal/numcheck"
	"github.com/seedling-ml/seedling/internal/shared"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// The raw-tensor path reproduces PyTorch's logits on the reference input.
func TestInspectRawTensorMatchesPyTorch(t *testing.T) {
	weights := shared.Path(t, "reference/resnet18_seedlings.pth")
	io := shared.Path(t, "reference/resnet18_io.safetensors")
	out := filepath.Join(t.TempDir(), "acts.safetensors")
	require.NoError(t, run(&modelflags.Flags{Weights: weights, Arch: "resnet18"}, "", io, "", "layer2.1, layer4", false, out, 3, true))
	got, err := nn.ReadSafetensors(out)
	require.NoError(t, err)
	ref, err := nn.ReadSafetensors(io)
	require.NoError(t, err)
	for name, refName := range map[string]string{"logits": "eval/logits", "layer2.1": "eval/layer2.1", "layer4": "eval/layer4", "x": "x"} {
		e := numcheck.RelL2(got.Floats[name].Data, ref.Floats[refName].Data)
		assert.LessOrEqual(t, e, 1e-4, name)
	}
}

// The image path works on a real seedling photo, at 224 and at its own size.
func TestInspectImage(t *testing.T) {
	weights := shared.Path(t, "reference/resnet18_seedlings.pth")
	dir := shared.Path(t, "data/seedlings/val/Maize")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	img := filepath.Join(dir, entries[0].Name())
	for _, resize := range []string{"", "none"} {
		out := filepath.Join(t.TempDir(), "acts.safetensors")
		require.NoError(t, run(&modelflags.Flags{Weights: weights}, img, "", resize, "layer1", false, out, 2, false))
		got, err := nn.ReadSafetensors(out)
		require.NoError(t, err)
		assert.Equal(t, []int{1, 12}, got.Floats["logits"].Shape)
		if resize == "" {
			assert.Equal(t, []int{1, 3, 224, 224}, got.Floats["x"].Shape)
		} else {
			f, err := os.Open(img)
			require.NoError(t, err)
			cfg, _, err := image.DecodeConfig(f)
			f.Close()
			require.NoError(t, err)
			assert.Equal(t, []int{1, 3, cfg.Height, cfg.Width}, got.Floats["x"].Shape, "-resize none keeps the photo's size")
		}
	}
}

// Weights of other architectures, made by saving a randomly initialised
// model in torchvision's naming, load and run.
func TestInspectOtherArchitectures(t *testing.T) {
	for _, arch := range []resnet.Arch{resnet.ResNet34Arch, resnet.ResNet50Arch} {
		t.Run(string(arch), func(t *testing.T) {
			m, err := resnet.New(arch, 7, 42)
			require.NoError(t, err)
			floats, ints := m.StateDict()
			wpath := filepath.Join(t.TempDir(), string(arch)+".safetensors")
			require.NoError(t, nn.WriteSafetensors(wpath, floats, ints, nil))
			x := nn.New(1, 3, 64, 64)
			for i := range x.Data {
				x.Data[i] = float32(i%17) / 17
			}
			xpath := filepath.Join(t.TempDir(), "x.safetensors")
			require.NoError(t, nn.WriteSafetensors(xpath, map[string]*nn.Tensor{"x": x}, nil, nil))
			out := filepath.Join(t.TempDir(), "out.safetensors")
			// Without -arch, the architecture is inferred from the names.
			require.NoError(t, run(&modelflags.Flags{Weights: wpath}, "", xpath, "", "layer4", false, out, 3, false))
			got, err := nn.ReadSafetensors(out)
			require.NoError(t, err)
			m.Eval()
			want := m.Forward(x)
			assert.Equal(t, want.Data, got.Floats["logits"].Data)
		})
	}
}

// A checkpoint's own input size and normalisation preprocess -image; a
// checkpoint saved without class names prints indices.
func TestInspectUsesCheckpointPreprocessing(t *testing.T) {
	m, err := resnet.New(resnet.ResNet18Arch, 3, 5)
	require.NoError(t, err)
	mean, std := [3]float32{0.5, 0.5, 0.5}, [3]float32{0.25, 0.5, 1}
	ckpt := filepath.Join(t.TempDir(), "model.safetensors")
	require.NoError(t, resnet.SaveCheckpoint(ckpt, m, resnet.Meta{Arch: resnet.ResNet18Arch, InputSize: 64, Mean: mean, Std: std}, nil))
	img := filepath.Join("..", "..", "data", "seedlings-mini", "val", "Maize", "115.png")
	out := filepath.Join(t.TempDir(), "acts.safetensors")
	require.NoError(t, run(&modelflags.Flags{Model: ckpt}, img, "", "", "", false, out, 3, false))
	got, err := nn.ReadSafetensors(out)
	require.NoError(t, err)
	want, err := dataset.LoadImageTensorWith(img, dataset.EvalTransformNormalized(73, 64, mean, std), dataset.DecodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, want.Shape, got.Floats["x"].Shape)
	assert.Equal(t, want.Data, got.Floats["x"].Data)
}

func TestInspectErrors(t *testing.T) {
	weights := shared.Path(t, "reference/resnet18_seedlings.pth")
	err := run(&modelflags.Flags{Weights: weights}, "", "", "", "", false, "", 1, false)
	assert.ErrorContains(t, err, "no input")
	err = run(&modelflags.Flags{Weights: weights, Arch: "resnet50"}, "", "x", "", "", false, "", 1, false)
	assert.ErrorContains(t, err, "looks like resnet18 weights, not resnet50")
	err = run(&modelflags.Flags{}, "", "x", "", "", false, "", 1, false)
	assert.ErrorContains(t, err, "-model or -weights is required")
	missing := filepath.Join(t.TempDir(), "missing", "acts.safetensors")
	err = run(&modelflags.Flags{Weights: weights}, "", shared.Path(t, "reference/resnet18_io.safetensors"), "", "", false, missing, 1, false)
	assert.ErrorContains(t, err, "-out "+missing+": folder", "checked before the model runs, naming the flag")
	err = run(&modelflags.Flags{Weights: weights}, "", shared.Path(t, "reference/resnet18_io.safetensors"), "", "layer9", false, "", 1, false)
	assert.ErrorContains(t, err, `unknown tap "layer9"`)
	err = run(&modelflags.Flags{Weights: weights}, "", shared.Path(t, "reference/resnet18_io.safetensors"), "", "", false, "", -1, false)
	assert.ErrorContains(t, err, "-k -1")
}
