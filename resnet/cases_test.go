package resnet

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/internal/shared"
	"github.com/seedling-ml/seedling/nn"
)

// tinyNet is C09's stand-in model: conv1 (4,3,3,3) no bias, bn1(4), fc(4->2).
type tinyNet struct {
	conv *nn.Conv2dLayer
	bn   *nn.BatchNorm2dLayer
	fc   *nn.LinearLayer
}

func newTinyNet() *tinyNet {
	rng := rand.New(rand.NewPCG(1, 2))
	return &tinyNet{
		conv: nn.NewConv2dLayer(3, 4, 3, nn.ConvConfig{}, false, rng),
		bn:   nn.NewBatchNorm2dLayer(4),
		fc:   nn.NewLinearLayer(4, 2, rng),
	}
}

func (m *tinyNet) Forward(x *nn.Tensor) *nn.Tensor {
	return m.fc.Forward(nn.AdaptiveAvgPool2d(m.bn.Forward(m.conv.Forward(x)), 1, 1))
}
func (m *tinyNet) Children() []nn.NamedModule {
	return []nn.NamedModule{{Name: "conv1", Module: m.conv}, {Name: "bn1", Module: m.bn}, {Name: "fc", Module: m.fc}}
}
func (m *tinyNet) OwnParameters() []nn.Named { return nil }
func (m *tinyNet) OwnBuffers() []nn.Named    { return nil }
func (m *tinyNet) SetOwnTraining(bool)       {}

type c09Tensor struct {
	Dtype  string          `json:"dtype"`
	Shape  []int           `json:"shape"`
	Values json.RawMessage `json:"values"`
}

// flatten turns nested JSON arrays (or a scalar) into a flat list.
func flatten(t *testing.T, raw json.RawMessage) []float64 {
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	var out []float64
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case float64:
			out = append(out, x)
		default:
			t.Fatalf("unexpected JSON value %v", v)
		}
	}
	walk(v)
	return out
}

func TestC09PrefixAndCounters(t *testing.T) {
	dir := shared.Path(t, "cases/C09_module_prefix_nbt")
	raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	require.NoError(t, err)
	var exp struct {
		Tensors map[string]c09Tensor `json:"tensors"`
	}
	require.NoError(t, json.Unmarshal(raw, &exp))

	for _, tc := range []struct {
		file    string
		counter int64
	}{
		{"plain.pth", 7}, {"dataparallel.pth", 7}, {"no_num_batches_tracked.pth", 0},
		{"training_checkpoint.pth", 7}, {"plain.safetensors", 7}, {"dataparallel.safetensors", 7},
	} {
		t.Run(tc.file, func(t *testing.T) {
			sd, err := ReadWeights(filepath.Join(dir, tc.file))
			require.NoError(t, err)
			m := newTinyNet()
			m.bn.NumBatchesTracked = 99
			rep, err := nn.LoadStateDict(m, sd, nn.LoadOptions{})
			require.NoError(t, err, "strict load after stripping")
			assert.Empty(t, rep.Missing)
			assert.Empty(t, rep.Unexpected)
			got, ints := nn.StateDict(m)
			for name, want := range exp.Tensors {
				vals := flatten(t, want.Values)
				if want.Dtype == "I64" {
					assert.Equal(t, tc.counter, ints[name].Data[0], name)
					continue
				}
				require.Equal(t, want.Shape, got[name].Shape, name)
				for i, v := range vals {
					require.Equal(t, float32(v), got[name].Data[i], "%s[%d]", name, i)
				}
			}
			if tc.counter == 0 {
				assert.Equal(t, []string{"bn1.num_batches_tracked"}, rep.DefaultedCounters)
			}
		})
	}

	t.Run("without stripping", func(t *testing.T) {
		sd, err := ReadWeights(filepath.Join(dir, "dataparallel.pth"))
		require.NoError(t, err)
		m := newTinyNet()
		before := append([]float32(nil), m.conv.Weight.Data...)
		rep, err := nn.LoadStateDict(m, sd, nn.LoadOptions{KeepPrefix: true})
		require.Error(t, err)
		assert.Len(t, rep.Unexpected, 8)
		assert.Len(t, rep.Missing, 8)
		assert.Empty(t, rep.DefaultedCounters)
		for _, u := range rep.Unexpected {
			assert.Contains(t, u, "module.")
		}
		assert.Equal(t, before, m.conv.Weight.Data, "a failed strict load leaves the model unchanged")
	})
}

func TestC10HeadMismatch(t *testing.T) {
	path := shared.Path(t, "cases/C10_fc_mismatch/imagenet_head_subset.safetensors")
	sd, err := ReadWeights(path)
	require.NoError(t, err)
	var exp struct {
		Skip struct {
			Conv1 map[string]float64 `json:"conv1.weight_checks"`
		} `json:"skip_mismatched_or_exclude_fc"`
	}
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(path), "expected.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &exp))
	require.Len(t, exp.Skip.Conv1, 3)
	newModel := func() *ResNet {
		m, err := ResNet18(12)
		require.NoError(t, err)
		return m
	}

	m := newModel()
	_, err = m.LoadStateDict(sd, nn.LoadOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "fc.weight: checkpoint [1000 512] vs model [12 512]")
	assert.Contains(t, err.Error(), "fc.bias: checkpoint [1000] vs model [12]")
	var le *nn.LoadError
	require.ErrorAs(t, err, &le)
	assert.Len(t, le.Report.Mismatched, 2)
	weights := 0
	for _, name := range le.Report.Missing {
		if !strings.HasSuffix(name, "num_batches_tracked") {
			weights++
		}
	}
	assert.Equal(t, 99, weights, "missing weight/buffer keys")

	_, err = m.LoadStateDict(sd, nn.LoadOptions{NonStrict: true})
	require.Error(t, err, "strict=false alone still fails on shapes")
	assert.Contains(t, err.Error(), "size mismatch")

	for _, opts := range []nn.LoadOptions{{NonStrict: true, SkipMismatched: true}, {NonStrict: true, Exclude: []string{"fc."}}} {
		m := newModel()
		fcBefore := append([]float32(nil), m.FC.Weight.Data...)
		rep, err := m.LoadStateDict(sd, opts)
		require.NoError(t, err)
		assert.Contains(t, rep.Loaded, "conv1.weight")
		var sum float64
		for _, v := range m.Conv1.Weight.Data {
			sum += float64(v)
		}
		assert.InDelta(t, exp.Skip.Conv1["sum"], sum, 1e-3)
		assert.Equal(t, float32(exp.Skip.Conv1["[0,0,0,0]"]), m.Conv1.Weight.Data[0])
		assert.Equal(t, float32(exp.Skip.Conv1["[63,2,6,6]"]), m.Conv1.Weight.Data[len(m.Conv1.Weight.Data)-1])
		assert.Equal(t, []int{12, 512}, m.FC.Weight.Shape)
		assert.Equal(t, fcBefore, m.FC.Weight.Data, "fc keeps its fresh init")
	}
}

func TestC12BatchNormOneValuePerChannel(t *testing.T) {
	m, err := New(ResNet18Arch, 5, 3)
	require.NoError(t, err)
	m.Train()
	for _, tc := range []struct {
		h, w, n int
		errAt   string
	}{
		{32, 32, 1, "layer4.0.bn1"}, {32, 32, 2, ""}, {64, 64, 1, ""}, {224, 224, 1, ""},
	} {
		t.Run(fmt.Sprintf("%dx%dx%d", tc.n, tc.h, tc.w), func(t *testing.T) {
			out, err := m.Run(nn.Track(randomInput(tc.n, tc.h, tc.w)), nil, false)
			if tc.errAt != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.errAt)
				assert.Contains(t, err.Error(), "expected more than 1 value per channel when training")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []int{tc.n, 5}, out.Logits.Shape)
		})
	}
	m.Eval()
	out, err := m.Run(randomInput(1, 32, 32), nil, false)
	require.NoError(t, err, "eval mode accepts any batch")
	assert.Equal(t, []int{1, 5}, out.Logits.Shape)
}

func TestC19StageSizes(t *testing.T) {
	raw, err := os.ReadFile(shared.Path(t, "cases/C19_pool_conv_shapes/expected.json"))
	require.NoError(t, err)
	var exp struct {
		Stages map[string]map[string][2]int `json:"resnet18_stage_sizes"`
	}
	require.NoError(t, json.Unmarshal(raw, &exp))
	require.NotEmpty(t, exp.Stages)
	m, err := ResNet18(3)
	require.NoError(t, err)
	m.Eval()
	for size, stages := range exp.Stages {
		t.Run(size, func(t *testing.T) {
			var h, w int
			_, err := fmt.Sscanf(size, "%dx%d", &h, &w)
			require.NoError(t, err)
			names := []string{}
			for n := range stages {
				names = append(names, n)
			}
			out, err := m.Run(randomInput(1, h, w), names, true)
			require.NoError(t, err)
			for n, hw := range stages {
				got := out.Taps[n].Shape
				assert.Equal(t, []int{hw[0], hw[1]}, got[2:], "%s at %s", n, size)
			}
		})
	}
}

func randomInput(n, h, w int) *nn.Tensor {
	rng := rand.New(rand.NewPCG(uint64(n*h), uint64(w)))
	x := nn.New(n, 3, h, w)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	return x
}
