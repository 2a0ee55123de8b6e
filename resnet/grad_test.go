package resnet

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/internal/numcheck"
	"github.com/seedling-ml/seedling/nn"
)

func evalNet(t *testing.T) *ResNet {
	t.Helper()
	m, err := New(ResNet18Arch, 5, 4)
	require.NoError(t, err)
	m.Eval()
	return m
}

// A caller's objective is differentiated like the built-in ones: twice the
// mean has exactly twice the mean's input gradient.
func TestGradientCustomObjective(t *testing.T) {
	m := evalNet(t)
	x := randomInput(2, 32, 32)
	mean, err := m.Gradient(x, GradRequest{Tap: "layer2.1.conv1", Objective: MeanObjective()})
	require.NoError(t, err)
	double, err := m.Gradient(x, GradRequest{Tap: "layer2.1.conv1", Objective: func(t *nn.Tensor) *nn.Tensor { return nn.Scale(nn.Mean(t), 2) }})
	require.NoError(t, err)
	require.Equal(t, 2*mean.Value, double.Value)
	require.False(t, mean.ZeroGrad)
	for i, g := range mean.Input.Data {
		require.Equal(t, 2*g, double.Input.Data[i], "x.grad[%d]", i)
	}
}

// One target per image: the batch gradient is each image's own gradient.
func TestGradientPerImageTargets(t *testing.T) {
	m := evalNet(t)
	x := randomInput(2, 32, 32)
	both, err := m.Gradient(x, GradRequest{Tap: "logits", Objective: ClassObjective([]int{1, 4})})
	require.NoError(t, err)
	per := len(x.Data) / 2
	for i, target := range []int{1, 4} {
		xi := nn.FromData(append([]float32(nil), x.Data[i*per:(i+1)*per]...), 1, 3, 32, 32)
		one, err := m.Gradient(xi, GradRequest{Tap: "fc", Objective: ClassObjective([]int{target})})
		require.NoError(t, err)
		e := numcheck.RelL2(both.Input.Data[i*per:(i+1)*per], one.Input.Data)
		assert.Less(t, e, 1e-5, "image %d", i)
	}
}

// NoInputGrad gives the same value, activations and tap gradients, only
// without the input's gradient (BenchmarkGradCAM224 shows the time saved).
func TestGradientNoInputGrad(t *testing.T) {
	m := evalNet(t)
	x := randomInput(2, 32, 32)
	req := GradRequest{Tap: "fc", Objective: ClassObjective([]int{1, 3}), GradTaps: []string{"layer4"}}
	full, err := m.Gradient(x, req)
	require.NoError(t, err)
	req.NoInputGrad = true
	tapOnly, err := m.Gradient(x, req)
	require.NoError(t, err)
	assert.Nil(t, tapOnly.Input)
	assert.False(t, tapOnly.ZeroGrad)
	assert.Equal(t, full.Value, tapOnly.Value)
	assert.Equal(t, full.TapGrads["layer4"].Data, tapOnly.TapGrads["layer4"].Data)
	assert.Equal(t, full.Taps["layer4"].Data, tapOnly.Taps["layer4"].Data)
}

// Channel objectives: the gradient of the mean of channels {a, b} is the
// average of the two single-channel gradients.
func TestGradientChannelObjective(t *testing.T) {
	m := evalNet(t)
	x := randomInput(1, 32, 32)
	var grads [3][]float32
	for i, chans := range [][]int{{3}, {10}, {3, 10}} {
		g, err := m.Gradient(x, GradRequest{Tap: "layer3", Objective: ChannelObjective(chans...)})
		require.NoError(t, err)
		grads[i] = g.Input.Data
	}
	avg := make([]float32, len(grads[0]))
	for i := range avg {
		avg[i] = (grads[0][i] + grads[1][i]) / 2
	}
	assert.Less(t, numcheck.RelL2(grads[2], avg), 1e-5)
}

// Parameter gradients only when asked, and only for what the objective
// depends on.
func TestGradientParamGrads(t *testing.T) {
	for _, asked := range []bool{false, true} {
		m := evalNet(t)
		_, err := m.Gradient(randomInput(1, 32, 32), GradRequest{Tap: "layer2", Objective: MeanObjective(), ParamGrads: asked})
		require.NoError(t, err)
		assert.Equal(t, asked, m.Conv1.Weight.Grad != nil, "conv1.weight")
		assert.Nil(t, m.FC.Weight.Grad, "fc is past the tap")
		if asked {
			var norm float64
			for _, g := range m.Conv1.Weight.Grad.Data {
				norm += float64(g) * float64(g)
			}
			assert.Greater(t, norm, 0.0)
		}
	}
}

func TestGradientRejects(t *testing.T) {
	m := evalNet(t)
	x := randomInput(1, 32, 32)
	nan := float32(math.NaN())
	tests := []struct {
		name string
		x    *nn.Tensor
		req  GradRequest
		want string
	}{
		{"no objective", x, GradRequest{Tap: "layer2"}, `no objective for tap "layer2"`},
		{"unknown tap", x, GradRequest{Tap: "layer5", Objective: MeanObjective()}, `unknown tap "layer5"`},
		{"unknown grad tap", x, GradRequest{Tap: "fc", Objective: MeanObjective(), GradTaps: []string{"layer4.2"}}, `unknown tap "layer4.2"`},
		{"objective not a scalar", x, GradRequest{Tap: "layer2", Objective: func(t *nn.Tensor) *nn.Tensor { return t }}, "must return one value"},
		{"objective returns nil", x, GradRequest{Tap: "layer2", Objective: func(*nn.Tensor) *nn.Tensor { return nil }}, "must return one value"},
		{"NaN objective", x, GradRequest{Tap: "layer2", Objective: func(t *nn.Tensor) *nn.Tensor { return nn.Scale(nn.Mean(t), nan) }}, "is NaN"},
		{"channel out of range", x, GradRequest{Tap: "layer1", Objective: ChannelObjective(64)}, `objective on "layer1"`},
		{"class out of range", x, GradRequest{Tap: "fc", Objective: ClassObjective([]int{5})}, `objective on "fc"`},
		{"one target for two images", randomInput(2, 32, 32), GradRequest{Tap: "fc", Objective: ClassObjective([]int{0})}, `objective on "fc"`},
		{"grey input", nn.New(1, 1, 32, 32), GradRequest{Tap: "fc", Objective: MeanObjective()}, "3 channels"},
		{"nothing to differentiate", x, GradRequest{Tap: "fc", Objective: MeanObjective(), NoInputGrad: true}, "leaves nothing to differentiate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := m.Gradient(tc.x, tc.req)
			require.Nil(t, g)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// The input the caller passes is not changed, tracked or given a gradient.
func TestGradientLeavesInputAlone(t *testing.T) {
	m := evalNet(t)
	x := randomInput(1, 32, 32)
	before := append([]float32(nil), x.Data...)
	g, err := m.Gradient(x, GradRequest{Tap: "layer4", Objective: MeanSquareObjective()})
	require.NoError(t, err)
	require.Equal(t, before, x.Data)
	require.Nil(t, x.Grad)
	require.Equal(t, x.Shape, g.Input.Shape)
	require.Same(t, g.TapOutput, g.Taps["layer4"])
}
