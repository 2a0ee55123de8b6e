package resnet

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/nn"
)

// stateDictOf returns a model's state dict as a file would hold it, every
// name prefixed with prefix.
func stateDictOf(t *testing.T, arch Arch, classes int, prefix string) *nn.Safetensors {
	t.Helper()
	m, err := New(arch, classes, 1)
	require.NoError(t, err)
	floats, ints := m.StateDict()
	sd := &nn.Safetensors{Floats: map[string]*nn.Tensor{}, Ints: map[string]*nn.IntTensor{}}
	for k, v := range floats {
		sd.Floats[prefix+k] = v
	}
	for k, v := range ints {
		sd.Ints[prefix+k] = v
	}
	return sd
}

func TestInferArch(t *testing.T) {
	tests := []struct {
		name string
		sd   func(t *testing.T) *nn.Safetensors
		want Arch
		ok   bool
	}{
		{"resnet18", func(t *testing.T) *nn.Safetensors { return stateDictOf(t, ResNet18Arch, 12, "") }, ResNet18Arch, true},
		{"resnet34", func(t *testing.T) *nn.Safetensors { return stateDictOf(t, ResNet34Arch, 5, "") }, ResNet34Arch, true},
		{"resnet50 DataParallel", func(t *testing.T) *nn.Safetensors { return stateDictOf(t, ResNet50Arch, 1000, "module.") }, ResNet50Arch, true},
		{"no layer3", func(t *testing.T) *nn.Safetensors {
			return &nn.Safetensors{Floats: map[string]*nn.Tensor{"conv1.weight": nn.New(1), "fc.weight": nn.New(2, 4)}}
		}, "", false},
		{"a unit missing", func(t *testing.T) *nn.Safetensors {
			sd := stateDictOf(t, ResNet34Arch, 5, "")
			for k := range sd.Floats {
				if strings.HasPrefix(k, "layer3.2.") {
					delete(sd.Floats, k)
				}
			}
			for k := range sd.Ints {
				if strings.HasPrefix(k, "layer3.2.") {
					delete(sd.Ints, k)
				}
			}
			return sd
		}, "", false},
		{"odd unit names", func(t *testing.T) *nn.Safetensors {
			return &nn.Safetensors{Floats: map[string]*nn.Tensor{"layer3.x.conv1.weight": nn.New(1), "layer3.-1.conv1.weight": nn.New(1), "layer3": nn.New(1)}}
		}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := InferArch(tc.sd(t))
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestLoadWeightsArch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resnet34.safetensors")
	sd := stateDictOf(t, ResNet34Arch, 7, "module.")
	require.NoError(t, nn.WriteSafetensors(path, sd.Floats, sd.Ints, nil))

	// No architecture given: taken from the names, classes from fc.
	m, meta, err := Load(Source{Weights: path})
	require.NoError(t, err)
	require.Equal(t, ResNet34Arch, m.Arch)
	require.Equal(t, ResNet34Arch, meta.Arch)
	require.Equal(t, 7, m.NumClasses())
	require.Equal(t, sd.Floats["module.layer4.2.bn2.running_var"].Data, m.Layers[3][2].(*BasicBlock).BN2.RunningVar.Data)

	// The wrong architecture: the error says which one the file looks like.
	for _, arch := range []Arch{ResNet18Arch, ResNet50Arch} {
		_, _, err = Load(Source{Weights: path, Arch: arch})
		require.ErrorContains(t, err, "looks like resnet34 weights, not "+string(arch))
		require.ErrorContains(t, err, path)
		require.Less(t, len(err.Error()), len(path)+160, "one short line: %s", err)
		var le *nn.LoadError
		require.ErrorAs(t, err, &le, "the key-by-key report stays reachable")
		require.NotZero(t, len(le.Report.Missing)+len(le.Report.Unexpected)+len(le.Report.Mismatched))
	}

	// An architecture we do not build is named as such, with either source.
	for _, src := range []Source{{Weights: path, Arch: "resnet99"}, {Model: path, Arch: "resnet99"}} {
		_, _, err = Load(src)
		require.ErrorContains(t, err, `unknown architecture "resnet99"`)
	}

	// Our own checkpoint given as torchvision weights: say to pass it as
	// the model instead of listing its optimizer keys as unexpected.
	m18, err := New(ResNet18Arch, 3, 1)
	require.NoError(t, err)
	ckpt := filepath.Join(t.TempDir(), "model.safetensors")
	require.NoError(t, SaveCheckpoint(ckpt, m18, Meta{Arch: ResNet18Arch}, nil))
	_, _, err = Load(Source{Weights: ckpt})
	require.ErrorContains(t, err, ckpt+" is a Seedling checkpoint (written by finetune), not torchvision weights: pass it as the model (-model")
}
