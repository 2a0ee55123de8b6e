package resnet

import (
	"archive/zip"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/nn"
)

func seedlingMeta(arch Arch) Meta {
	return Meta{
		Arch: arch, Classes: []string{"Black-grass", "Charlock", "Maize"}, InputSize: 160,
		Mean: ImageNetMean, Std: [3]float32{0.5, 0.25, 0.125}, Extra: map[string]string{"epoch": "7"},
	}
}

// A checkpoint keeps weights, BatchNorm statistics and counters, metadata
// and extra tensors; the loaded model computes exactly what the saved one
// did.
func TestCheckpointRoundTrip(t *testing.T) {
	for _, arch := range []Arch{ResNet18Arch, ResNet50Arch} {
		t.Run(string(arch), func(t *testing.T) {
			m, err := New(arch, 3, 9)
			require.NoError(t, err)
			m.Train()
			m.Forward(nn.Track(randomInput(2, 32, 32))) // non-trivial running stats, counters 1
			m.Eval()
			x := randomInput(1, 48, 48)
			want := m.Forward(x).Data

			path := filepath.Join(t.TempDir(), "model.safetensors")
			extra := map[string]*nn.Tensor{"optim.fc.weight.exp_avg": nn.New(3, m.FeatureChannels())}
			require.NoError(t, SaveCheckpoint(path, m, seedlingMeta(arch), extra))

			got, meta, file, err := LoadCheckpoint(path)
			require.NoError(t, err)
			require.Equal(t, arch, got.Arch)
			require.Equal(t, seedlingMeta(arch), *meta)
			require.Contains(t, file.Floats, "optim.fc.weight.exp_avg")
			require.EqualValues(t, 1, got.BN1.NumBatchesTracked)
			require.Equal(t, want, got.Forward(x).Data)

			// Load with a Source reads the same file.
			viaSource, meta2, err := Load(Source{Model: path})
			require.NoError(t, err)
			require.Equal(t, meta, meta2)
			require.Equal(t, want, viaSource.Forward(x).Data)
			_, _, err = Load(Source{Model: path, Arch: arch})
			require.NoError(t, err, "the checkpoint's own architecture")
			other := ResNet34Arch
			if arch == ResNet34Arch {
				other = ResNet18Arch
			}
			_, _, err = Load(Source{Model: path, Arch: other})
			require.ErrorContains(t, err, fmt.Sprintf("holds a %s, not the %s asked for", arch, other))
		})
	}
}

// A checkpoint saved with an empty Meta loads with DefaultMeta's values,
// so programs can index its classes and normalise with its statistics.
func TestCheckpointMetaDefaults(t *testing.T) {
	m, err := New(ResNet18Arch, 3, 1)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "bare.safetensors")
	require.NoError(t, SaveCheckpoint(path, m, Meta{Arch: ResNet18Arch}, nil))
	_, meta, _, err := LoadCheckpoint(path)
	require.NoError(t, err)
	want := DefaultMeta(ResNet18Arch, 3)
	want.Extra = map[string]string{}
	require.Equal(t, want, *meta)
	require.Equal(t, []string{"0", "1", "2"}, meta.Classes)
}

func TestSaveCheckpointRejects(t *testing.T) {
	m, err := New(ResNet18Arch, 3, 1)
	require.NoError(t, err)
	dir := t.TempDir()
	tests := []struct {
		name  string
		meta  Meta
		extra map[string]*nn.Tensor
		want  string
	}{
		{"class names", Meta{Arch: ResNet18Arch, Classes: []string{"a", "b"}}, nil, "2 class names for a model with 3 outputs"},
		{"extra collides", seedlingMeta(ResNet18Arch), map[string]*nn.Tensor{"fc.bias": nn.New(3)}, `extra tensor "fc.bias" collides`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".safetensors")
			err := SaveCheckpoint(path, m, tc.meta, tc.extra)
			require.ErrorContains(t, err, tc.want)
			require.NoFileExists(t, path)
		})
	}
	require.ErrorContains(t, SaveCheckpoint(filepath.Join(dir, "nil.safetensors"), nil, Meta{}, nil), "nil model")
}

func TestLoadCheckpointRejects(t *testing.T) {
	m, err := New(ResNet18Arch, 3, 1)
	require.NoError(t, err)
	floats, ints := m.StateDict()
	var good map[string]string
	{
		path := filepath.Join(t.TempDir(), "good.safetensors")
		require.NoError(t, SaveCheckpoint(path, m, seedlingMeta(ResNet18Arch), nil))
		st, err := nn.ReadSafetensors(path)
		require.NoError(t, err)
		good = st.Metadata
	}
	edit := func(key, value string) map[string]string {
		md := map[string]string{}
		for k, v := range good {
			md[k] = v
		}
		if value == "" {
			delete(md, key)
		} else {
			md[key] = value
		}
		return md
	}
	withoutFC := map[string]*nn.Tensor{}
	for k, v := range floats {
		if k != "fc.weight" {
			withoutFC[k] = v
		}
	}
	withoutConv := map[string]*nn.Tensor{}
	for k, v := range floats {
		if k != "conv1.weight" {
			withoutConv[k] = v
		}
	}
	tests := []struct {
		name   string
		floats map[string]*nn.Tensor
		meta   map[string]string
		want   string
	}{
		{"torchvision weights", floats, nil, "not a seedling checkpoint"},
		{"unknown arch", floats, edit("seedling.arch", "resnet152"), `unknown architecture "resnet152"`},
		{"classes not JSON", floats, edit("seedling.classes", "[a,"), "bad seedling.classes"},
		{"class count", floats, edit("seedling.classes", `["a","b"]`), "2 class names but fc has 3 outputs"},
		{"input size", floats, edit("seedling.input_size", "big"), `bad seedling.input_size "big"`},
		{"mean", floats, edit("seedling.mean", "0.5,0.5"), "bad seedling.mean"},
		{"std", floats, edit("seedling.std", "1,x,1"), "bad seedling.std"},
		{"no fc", withoutFC, good, "no 2-D fc.weight"},
		{"missing weight", withoutConv, good, "missing keys (1): conv1.weight"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ckpt.safetensors")
			require.NoError(t, nn.WriteSafetensors(path, tc.floats, ints, tc.meta))
			got, meta, file, err := LoadCheckpoint(path)
			require.Nil(t, got)
			require.Nil(t, meta)
			require.Nil(t, file)
			require.ErrorContains(t, err, tc.want)
			require.ErrorContains(t, err, path)
		})
	}
}

func TestReadWeightsFormats(t *testing.T) {
	dir := t.TempDir()
	m, err := New(ResNet18Arch, 2, 1)
	require.NoError(t, err)
	floats, ints := m.StateDict()
	st := filepath.Join(dir, "weights.safetensors")
	require.NoError(t, nn.WriteSafetensors(st, floats, ints, nil))
	misnamed := filepath.Join(dir, "weights.bin")
	data, err := os.ReadFile(st)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(misnamed, data, 0o644))

	sd, err := ReadWeights(misnamed)
	require.NoError(t, err, "safetensors content under another extension")
	require.Len(t, sd.Names(), 122)

	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		return p
	}
	emptyZip := func() []byte {
		f, err := os.CreateTemp(dir, "*.zip")
		require.NoError(t, err)
		require.NoError(t, zip.NewWriter(f).Close())
		require.NoError(t, f.Close())
		b, err := os.ReadFile(f.Name())
		require.NoError(t, err)
		// An empty archive has no local header; give it one so it is
		// recognised as a zip.
		return append([]byte("PK\x03\x04"), b...)
	}
	tests := []struct {
		name, path, want string
	}{
		{"absent", filepath.Join(dir, "absent.pth"), "absent.pth"},
		{"too short", write("short.safetensors", []byte("PK")), "too short"},
		{"legacy or foreign .pth", write("old.pth", []byte("\x80\x02\x8a\x0alegacy pickle")), "not a zip archive"},
		{"zip without data.pkl", write("empty.pth", emptyZip()), "data.pkl"},
		{"truncated safetensors", write("cut.safetensors", data[:len(data)/2]), "cut.safetensors"},
		{"text", write("notes.safetensors", []byte("these are not weights\n")), "notes.safetensors: neither a .pth (zip archive) nor a safetensors file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sd, err := ReadWeights(tc.path)
			require.Nil(t, sd)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// A .pth file given where a checkpoint belongs gets an error that says
// what it is and where it goes, not a safetensors header complaint.
func TestLoadCheckpointPth(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"zip archive", "resnet18.pth", []byte("PK\x03\x04 a torch.save archive"), "is a PyTorch .pth file (torchvision-format weights), not a Seedling checkpoint: pass it as weights (-weights"},
		{"other junk", "junk.safetensors", []byte("xy"), "resnet: reading checkpoint"},
		{"one byte", "tiny.pth", []byte("P"), "resnet: reading checkpoint"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			require.NoError(t, os.WriteFile(path, tc.data, 0o644))
			_, _, _, err := LoadCheckpoint(path)
			require.ErrorContains(t, err, tc.want)
			require.ErrorContains(t, err, path)
		})
	}
}
