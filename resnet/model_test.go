package resnet

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/nn"
)

// The state dicts have torchvision's size, names and shapes: 122, 218 and
// 320 entries (len(model.state_dict()) of torchvision's resnet18/34/50).
func TestStateDictLikeTorchvision(t *testing.T) {
	tests := []struct {
		arch           Arch
		params, counts int
		shapes         map[string][]int
	}{
		{ResNet18Arch, 62, 20, map[string][]int{
			"conv1.weight": {64, 3, 7, 7}, "layer2.0.downsample.0.weight": {128, 64, 1, 1},
			"layer4.1.conv2.weight": {512, 512, 3, 3}, "fc.weight": {10, 512}, "fc.bias": {10},
		}},
		{ResNet34Arch, 110, 36, map[string][]int{
			"layer3.5.bn2.running_var": {256}, "layer4.2.conv1.weight": {512, 512, 3, 3}, "fc.weight": {10, 512},
		}},
		{ResNet50Arch, 161, 53, map[string][]int{
			"layer1.0.conv3.weight": {256, 64, 1, 1}, "layer1.0.downsample.0.weight": {256, 64, 1, 1},
			"layer2.0.conv2.weight": {128, 128, 3, 3}, "layer4.2.bn3.weight": {2048}, "fc.weight": {10, 2048},
		}},
	}
	for _, tc := range tests {
		t.Run(string(tc.arch), func(t *testing.T) {
			m, err := New(tc.arch, 10, 1)
			require.NoError(t, err)
			floats, ints := m.StateDict()
			require.Len(t, m.Parameters(), tc.params)
			require.Len(t, ints, tc.counts)
			require.Len(t, floats, tc.params+2*tc.counts, "parameters and two running statistics per BatchNorm")
			for name, shape := range tc.shapes {
				require.Contains(t, floats, name)
				assert.Equal(t, shape, floats[name].Shape, name)
			}
			// Every module holding weights is a tap under the same name.
			taps := map[string]bool{}
			for _, n := range m.TapNames() {
				taps[n] = true
			}
			for name := range floats {
				module := name[:strings.LastIndex(name, ".")]
				assert.True(t, taps[module], "%s has no tap %q", name, module)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	for _, tc := range []struct {
		arch    Arch
		classes int
		want    string
	}{
		{"resnet101", 10, "resnet101"},
		{ResNet18Arch, 0, "0"},
		{ResNet18Arch, -3, "-3"},
	} {
		_, err := New(tc.arch, tc.classes, 0)
		require.Error(t, err)
		require.ErrorContains(t, err, tc.want)
	}
}

// Inside a unit, the shortcut is the unit's input or the downsample output,
// "add" is the residual sum and the unit's output is its ReLU; Bottleneck
// puts the stride on its 3x3 conv2 (torchvision V1.5).
func TestTapsInsideUnits(t *testing.T) {
	for _, arch := range []Arch{ResNet18Arch, ResNet50Arch} {
		t.Run(string(arch), func(t *testing.T) {
			m, err := New(arch, 4, 2)
			require.NoError(t, err)
			m.Eval()
			last := "bn2"
			if arch == ResNet50Arch {
				last = "bn3"
			}
			taps := []string{"maxpool", "layer1.0.shortcut", "layer1.0", "layer1.1.shortcut", "layer1.1." + last, "layer1.1.add", "layer1.1",
				"layer2.0.conv1", "layer2.0.conv2", "layer2.0.downsample", "layer2.0.downsample.1", "layer2.0.shortcut", "layer2.0." + last, "layer2.0.add", "layer2.0"}
			out, err := m.Run(randomInput(2, 64, 64), taps, true)
			require.NoError(t, err)
			for _, n := range taps {
				require.NotNil(t, out.Taps[n], n)
			}
			get := func(n string) []float32 { return out.Taps[n].Data }
			same := func(a, b string) {
				t.Helper()
				require.True(t, slices.Equal(get(a), get(b)), "%s and %s differ", a, b)
			}
			if arch == ResNet18Arch {
				same("maxpool", "layer1.0.shortcut") // identity
			}
			same("layer1.0", "layer1.1.shortcut") // identity
			lastUnit := fmt.Sprintf("layer1.%d", len(m.Layers[0])-1)
			out2, err := m.Run(randomInput(2, 64, 64), []string{lastUnit, "layer1"}, true)
			require.NoError(t, err)
			require.True(t, slices.Equal(out2.Taps[lastUnit].Data, out2.Taps["layer1"].Data), "a stage's output is its last unit's")
			same("layer2.0.downsample.1", "layer2.0.downsample")
			same("layer2.0.downsample", "layer2.0.shortcut")
			for _, unit := range []string{"layer1.1", "layer2.0"} {
				h, sc, sum, y := get(unit+"."+last), get(unit+".shortcut"), get(unit+".add"), get(unit)
				for i := range sum {
					require.Equal(t, h[i]+sc[i], sum[i], "%s.add[%d]", unit, i)
					require.Equal(t, max(sum[i], 0), y[i], "%s[%d]", unit, i)
				}
			}
			// 64 px: 16 after the stem; layer2 halves it in conv2 for a
			// Bottleneck, in conv1 for a BasicBlock.
			conv1 := out.Taps["layer2.0.conv1"].Shape[2]
			conv2 := out.Taps["layer2.0.conv2"].Shape[2]
			if arch == ResNet50Arch {
				assert.Equal(t, []int{16, 8}, []int{conv1, conv2})
			} else {
				assert.Equal(t, []int{8, 8}, []int{conv1, conv2})
			}
			assert.Equal(t, []int{2, m.FeatureChannels() / 4, 8, 8}, out.Taps["layer2.0"].Shape)
		})
	}
}

// bnCounters returns the num_batches_tracked of every BatchNorm by name.
func bnCounters(m *ResNet) map[string]int64 {
	out := map[string]int64{}
	_, ints := m.StateDict()
	for k, v := range ints {
		out[strings.TrimSuffix(k, ".num_batches_tracked")] = v.Data[0]
	}
	return out
}

// With stopEarly the forward pass ends at the deepest tap: in training mode
// only the BatchNorms before it count a batch.
func TestRunStopsEarly(t *testing.T) {
	tests := []struct {
		taps      []string
		stopEarly bool
		deepest   string // the last BatchNorm that runs
		logits    bool
	}{
		{[]string{"layer2"}, true, "layer2.1.bn2", false},
		{[]string{"layer1.0.conv2", "layer2.0.bn1"}, true, "layer2.0.bn1", false},
		{[]string{"layer2"}, false, "layer4.1.bn2", true},
		{nil, true, "layer4.1.bn2", true},
		{[]string{"logits"}, true, "layer4.1.bn2", true},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.taps, ",")+map[bool]string{true: " early", false: ""}[tc.stopEarly], func(t *testing.T) {
			m, err := New(ResNet18Arch, 3, 1)
			require.NoError(t, err)
			m.Train()
			out, err := m.Run(randomInput(2, 32, 32), tc.taps, tc.stopEarly)
			require.NoError(t, err)
			assert.Equal(t, tc.logits, out.Logits != nil)
			// BatchNorms in forward order: bn1, then each unit's.
			ran := true
			order := []string{"bn1"}
			for _, n := range m.TapNames() {
				if strings.HasPrefix(n, "layer") && (strings.HasSuffix(n, ".bn1") || strings.HasSuffix(n, ".bn2") || strings.HasSuffix(n, "downsample.1")) {
					order = append(order, n)
				}
			}
			counts := bnCounters(m)
			for _, bn := range order {
				want := int64(0)
				if ran {
					want = 1
				}
				assert.Equal(t, want, counts[bn], bn)
				if bn == tc.deepest {
					ran = false
				}
			}
		})
	}
}

// Frozen BatchNorm in training mode uses and keeps the running statistics:
// the output is the eval output and nothing is updated.
func TestFreezeBN(t *testing.T) {
	m, err := New(ResNet18Arch, 3, 1)
	require.NoError(t, err)
	x := randomInput(2, 32, 32)
	m.Eval()
	want := m.Forward(x).Data
	before := append([]float32(nil), m.BN1.RunningMean.Data...)

	m.SetFreezeBN(true)
	m.Train()
	got := m.Forward(nn.Track(x))
	assert.Equal(t, want, got.Data)
	assert.Equal(t, before, m.BN1.RunningMean.Data)
	for name, c := range bnCounters(m) {
		assert.Zero(t, c, name)
	}

	m.SetFreezeBN(false)
	m.Train()
	m.Forward(nn.Track(x))
	assert.NotEqual(t, before, m.BN1.RunningMean.Data, "unfrozen training updates the statistics")
	assert.EqualValues(t, 1, m.BN1.NumBatchesTracked)
}

func TestRunRejects(t *testing.T) {
	m, err := New(ResNet18Arch, 3, 1)
	require.NoError(t, err)
	m.Eval()
	tests := []struct {
		name string
		x    *nn.Tensor
		taps []string
		want []string
	}{
		{"nil input", nil, nil, []string{"input", "nil tensor"}},
		{"data shorter than the shape", &nn.Tensor{Shape: []int{1, 3, 32, 32}, Data: make([]float32, 100)}, nil, []string{"holds 100 values, needs 3072"}},
		{"3-D input", nn.New(3, 8, 8), nil, []string{"[3 8 8]"}},
		{"one channel", nn.New(1, 1, 32, 32), nil, []string{"[1 1 32 32]"}},
		{"unknown tap", nn.New(1, 3, 32, 32), []string{"layer2", "layer2.2"}, []string{`unknown tap "layer2.2" for resnet18`, "layer2.1"}},
		{"Bottleneck tap on a BasicBlock net", nn.New(1, 3, 32, 32), []string{"layer1.0.conv3"}, []string{`"layer1.0.conv3"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := m.Run(tc.x, tc.taps, true)
			require.Nil(t, out)
			for _, w := range tc.want {
				require.ErrorContains(t, err, w)
			}
			if len(tc.taps) == 0 {
				g, err := m.Gradient(tc.x, GradRequest{Tap: "layer1", Objective: MeanObjective()})
				require.Nil(t, g)
				for _, w := range tc.want {
					require.ErrorContains(t, err, w)
				}
			}
		})
	}
}

func TestResetHead(t *testing.T) {
	m, err := New(ResNet34Arch, 1000, 1)
	require.NoError(t, err)
	conv := append([]float32(nil), m.Conv1.Weight.Data...)
	require.ErrorContains(t, m.ResetHead(0, 5), "got 0")
	require.Equal(t, 1000, m.NumClasses())
	require.NoError(t, m.ResetHead(12, 5))
	require.Equal(t, 12, m.NumClasses())
	require.Equal(t, []int{12, 512}, m.FC.Weight.Shape)
	require.Equal(t, conv, m.Conv1.Weight.Data)
	floats, _ := m.StateDict()
	require.Same(t, m.FC.Weight, floats["fc.weight"])
	m.Eval()
	out, err := m.Run(randomInput(1, 32, 32), nil, false)
	require.NoError(t, err)
	require.Equal(t, []int{1, 12}, out.Logits.Shape)
}

// Inference runs each conv-BN(-add)-ReLU chain as one fused op; the result
// is bit-identical to the separate ops (a tracked input runs those), with
// and without taps inside a unit (which turn the fusion off there only),
// for both unit types and with frozen BN in training mode.
func TestFusedInferenceEqualsSeparateOps(t *testing.T) {
	for _, arch := range []Arch{ResNet18Arch, ResNet50Arch} {
		t.Run(string(arch), func(t *testing.T) {
			m, err := New(arch, 6, 9)
			require.NoError(t, err)
			rng := rand.New(rand.NewPCG(9, 9))
			nn.Walk(m, func(_ string, mod nn.Module) {
				if bn, ok := mod.(*nn.BatchNorm2dLayer); ok {
					for i := range bn.RunningMean.Data {
						bn.Weight.Data[i] = float32(1 + 0.2*rng.NormFloat64())
						bn.Bias.Data[i] = float32(0.1 * rng.NormFloat64())
						bn.RunningMean.Data[i] = float32(0.1 * rng.NormFloat64())
						bn.RunningVar.Data[i] = float32(0.5 + rng.Float64())
					}
				}
			})
			m.Eval()
			x := randomInput(2, 48, 48)
			separate := m.Forward(nn.Track(x))
			assert.Equal(t, separate.Data, m.Forward(x).Data)
			out, err := m.Run(x, []string{"layer2.1.bn1", "fc"}, false)
			require.NoError(t, err)
			assert.Equal(t, separate.Data, out.Logits.Data)

			m.Train()
			m.SetFreezeBN(true)
			assert.Equal(t, separate.Data, m.Forward(x).Data, "frozen BN in training mode")
		})
	}
}
