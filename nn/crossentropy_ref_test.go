package nn

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/internal/numcheck"
)

// TestCrossEntropyVariantsMatchPyTorch compares the cross-entropy options
// that ops.safetensors does not cover (sum and none reductions, label
// smoothing, ignore index and their mixes, logits of 1e8) and softmax with
// PyTorch's values and gradients, written by testdata/gen_ce_variants.py.
func TestCrossEntropyVariantsMatchPyTorch(t *testing.T) {
	st, err := ReadSafetensors(filepath.Join("testdata", "ce_variants.safetensors"))
	require.NoError(t, err)
	var names []string
	for k := range st.Metadata {
		names = append(names, k)
	}
	sort.Strings(names)
	require.Len(t, names, 11)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			var c struct {
				Op             string  `json:"op"`
				Reduction      string  `json:"reduction"`
				LabelSmoothing float32 `json:"label_smoothing"`
				IgnoreIndex    *int    `json:"ignore_index"`
			}
			require.NoError(t, json.Unmarshal([]byte(st.Metadata[name]), &c))
			f := func(k string) *Tensor {
				v, err := st.Float(name + "/" + k)
				require.NoError(t, err)
				return v
			}
			x := f("x").Clone().RequiresGrad()
			var y *Tensor
			switch c.Op {
			case "softmax":
				y = Softmax(x)
			case "cross_entropy":
				cfg := CrossEntropyConfig{LabelSmoothing: c.LabelSmoothing, IgnoreIndex: c.IgnoreIndex}
				cfg.Reduction = map[string]Reduction{"mean": ReduceMean, "sum": ReduceSum, "none": ReduceNone}[c.Reduction]
				var targets []int
				for _, v := range st.Ints[name+"/t"].Data {
					targets = append(targets, int(v))
				}
				y = CrossEntropy(x, targets, cfg)
			default:
				t.Fatalf("unknown op %q", c.Op)
			}
			want := f("y")
			require.Equal(t, len(want.Data), len(y.Data), "loss shape %v, want %v", y.Shape, want.Shape)
			assert.LessOrEqual(t, numcheck.RelL2(y.Data, want.Data), opTolerance, "value")
			y.BackwardWith(FromData(f("gy").Data, y.Shape...))
			assert.LessOrEqual(t, numcheck.RelL2(x.Grad.Data, f("gx").Data), opTolerance, "gradient")
			if strings.Contains(name, "ignore") && c.Reduction == "none" {
				for i, v := range st.Ints[name+"/t"].Data {
					if int(v) == *c.IgnoreIndex {
						assert.Zero(t, y.Data[i], "an ignored sample's loss is 0")
					}
				}
			}
		})
	}
}
