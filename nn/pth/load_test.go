package pth

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/internal/shared"
	"github.com/seedling-ml/seedling/nn"
)

// requireSameTensors checks that got holds exactly the tensors of want,
// with the same shapes and bit-identical values, and reports the number of
// float values that differ per tensor when any do.
func requireSameTensors(t *testing.T, want, got *nn.Safetensors) {
	t.Helper()
	require.Equal(t, want.Names(), got.Names())
	for name, w := range want.Floats {
		g, ok := got.Floats[name]
		require.True(t, ok, "%s: not a float tensor", name)
		require.Equal(t, w.Shape, g.Shape, name)
		require.Len(t, g.Data, len(w.Data), name)
		diff := 0
		for i := range w.Data {
			if math.Float32bits(w.Data[i]) != math.Float32bits(g.Data[i]) {
				diff++
			}
		}
		assert.Zero(t, diff, "%s: %d of %d values differ in their bits", name, diff, len(w.Data))
	}
	for name, w := range want.Ints {
		g, ok := got.Ints[name]
		require.True(t, ok, "%s: not an integer tensor", name)
		assert.Equal(t, w.Shape, g.Shape, name)
		assert.Equal(t, w.Data, g.Data, name)
	}
}

func TestLoadResNet18MatchesSafetensors(t *testing.T) {
	pthPath := shared.Path(t, "reference/resnet18_seedlings.pth")
	want, err := nn.ReadSafetensors(shared.Path(t, "reference/resnet18_seedlings.safetensors"))
	require.NoError(t, err)
	got, err := Load(pthPath)
	require.NoError(t, err)

	assert.Len(t, got.Names(), 122)
	assert.Len(t, got.Ints, 20)
	for name, it := range got.Ints {
		assert.True(t, strings.HasSuffix(name, ".num_batches_tracked"), name)
		assert.Empty(t, it.Shape, name)
	}
	requireSameTensors(t, want, got)
	assert.Equal(t, "resnet18_seedlings", got.Metadata["archive"])
	assert.Equal(t, "little", got.Metadata["byteorder"])
}

// c09Expected reads the tensors of the C09 case's expected.json.
func c09Expected(t *testing.T) *nn.Safetensors {
	t.Helper()
	raw, err := os.ReadFile(shared.Path(t, "cases/C09_module_prefix_nbt/expected.json"))
	require.NoError(t, err)
	var doc struct {
		Tensors map[string]struct {
			Dtype  string          `json:"dtype"`
			Shape  []int           `json:"shape"`
			Values json.RawMessage `json:"values"`
		} `json:"tensors"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.NotEmpty(t, doc.Tensors)
	st := &nn.Safetensors{Floats: map[string]*nn.Tensor{}, Ints: map[string]*nn.IntTensor{}}
	for name, e := range doc.Tensors {
		var nested any
		require.NoError(t, json.Unmarshal(e.Values, &nested), name)
		flat := flatten(nested, nil)
		switch e.Dtype {
		case "F32":
			data := make([]float32, len(flat))
			for i, v := range flat {
				data[i] = float32(v)
			}
			st.Floats[name] = &nn.Tensor{Shape: e.Shape, Data: data}
		case "I64":
			data := make([]int64, len(flat))
			for i, v := range flat {
				data[i] = int64(v)
			}
			st.Ints[name] = &nn.IntTensor{Shape: e.Shape, Data: data}
		default:
			t.Fatalf("%s: unexpected dtype %s in expected.json", name, e.Dtype)
		}
	}
	return st
}

// flatten lists the numbers of a nested JSON array in row-major order.
func flatten(v any, out []float64) []float64 {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			out = flatten(e, out)
		}
		return out
	case float64:
		return append(out, x)
	}
	panic("flatten: not a number or an array")
}

// renamed returns st with prefix removed from every name that has it.
func renamed(st *nn.Safetensors, prefix string) *nn.Safetensors {
	out := &nn.Safetensors{Floats: map[string]*nn.Tensor{}, Ints: map[string]*nn.IntTensor{}}
	for k, v := range st.Floats {
		out.Floats[strings.TrimPrefix(k, prefix)] = v
	}
	for k, v := range st.Ints {
		out.Ints[strings.TrimPrefix(k, prefix)] = v
	}
	return out
}

func TestLoadC09(t *testing.T) {
	dir := shared.Path(t, "cases/C09_module_prefix_nbt")
	want := c09Expected(t)
	withoutCounter := renamed(want, "")
	delete(withoutCounter.Ints, "bn1.num_batches_tracked")

	tests := []struct {
		file    string
		prefix  string // kept by the loader on every name
		noCount bool   // the file has no num_batches_tracked
		wrapper string // checkpoint key the state_dict sits under
		ignored string
	}{
		{file: "plain.pth"},
		{file: "dataparallel.pth", prefix: "module."},
		{file: "no_num_batches_tracked.pth", noCount: true},
		{file: "training_checkpoint.pth", prefix: "module.", wrapper: "state_dict", ignored: "epoch,best_acc,optimizer"},
		{file: "plain.safetensors"},
		{file: "dataparallel.safetensors", prefix: "module."},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			var got *nn.Safetensors
			var err error
			if strings.HasSuffix(tc.file, ".safetensors") {
				got, err = nn.ReadSafetensors(path)
			} else {
				got, err = Load(path)
			}
			require.NoError(t, err)
			for _, name := range got.Names() {
				assert.True(t, strings.HasPrefix(name, tc.prefix), "%s lacks the prefix %q", name, tc.prefix)
			}
			exp := want
			if tc.noCount {
				exp = withoutCounter
			}
			requireSameTensors(t, exp, renamed(got, tc.prefix))
			if !strings.HasSuffix(tc.file, ".safetensors") {
				assert.Equal(t, tc.wrapper, got.Metadata["wrapper"])
				assert.Equal(t, tc.ignored, got.Metadata["ignored"])
				assert.Equal(t, "archive", got.Metadata["archive"])
			}
		})
	}
}

// TestLoadResNet18KeyList checks the names and shapes against the
// torchvision key list shipped with case C09.
func TestLoadResNet18KeyList(t *testing.T) {
	raw, err := os.ReadFile(shared.Path(t, "cases/C09_module_prefix_nbt/resnet18_keys.json"))
	require.NoError(t, err)
	var doc struct {
		Keys []struct {
			Name  string `json:"name"`
			Shape []int  `json:"shape"`
			Dtype string `json:"dtype"`
		} `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	got, err := Load(shared.Path(t, "reference/resnet18_seedlings.pth"))
	require.NoError(t, err)
	require.Len(t, doc.Keys, 122)
	for _, k := range doc.Keys {
		switch k.Dtype {
		case "I64":
			it, ok := got.Ints[k.Name]
			require.True(t, ok, k.Name)
			assert.Equal(t, k.Shape, it.Shape, k.Name)
		default:
			ft, ok := got.Floats[k.Name]
			require.True(t, ok, k.Name)
			if k.Name == "fc.weight" || k.Name == "fc.bias" {
				// The seedlings model has 12 classes, the key list 1000.
				assert.Equal(t, k.Shape[1:], ft.Shape[1:], k.Name)
				continue
			}
			assert.Equal(t, k.Shape, ft.Shape, k.Name)
		}
	}
}

// torch.save(..., pickle_protocol=4) names its classes with STACK_GLOBAL
// (and BINGET of memoized names) instead of GLOBAL: such a file loads.
// testdata/protocol4.pth was written by PyTorch 1.13:
//
//	sd = OrderedDict(w=torch.arange(6.).reshape(2, 3),
//	                 b=torch.tensor([1.5, -2.], dtype=torch.float16), n=torch.tensor(7))
//	torch.save(sd, "protocol4.pth", pickle_protocol=4)
func TestLoadProtocol4(t *testing.T) {
	st, err := Load(filepath.Join("testdata", "protocol4.pth"))
	require.NoError(t, err)
	assert.Equal(t, []string{"b", "n", "w"}, st.Names())
	w, err := st.Float("w")
	require.NoError(t, err)
	assert.Equal(t, []int{2, 3}, w.Shape)
	assert.Equal(t, []float32{0, 1, 2, 3, 4, 5}, w.Data)
	b, err := st.Float("b")
	require.NoError(t, err)
	assert.Equal(t, []float32{1.5, -2}, b.Data)
	assert.Equal(t, []int64{7}, st.Ints["n"].Data)
}
