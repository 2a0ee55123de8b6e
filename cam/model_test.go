package cam

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// smallModel is a seeded random ResNet18 with 5 classes in eval mode.
func smallModel(t *testing.T) *resnet.ResNet {
	t.Helper()
	m, err := resnet.New(resnet.ResNet18Arch, 5, 7)
	require.NoError(t, err)
	m.Eval()
	return m
}

// randomInput returns n images of 3 x size x size drawn from N(0,1).
func randomInput(n, size int, seed uint64) *nn.Tensor {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := nn.New(n, 3, size, size)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	return x
}

// requireUnitMaps checks shape [n,h,w], finiteness and range [0,1].
func requireUnitMaps(t *testing.T, maps *nn.Tensor, n, h, w int) {
	t.Helper()
	require.Equal(t, []int{n, h, w}, maps.Shape)
	for i, v := range maps.Data {
		require.False(t, math.IsNaN(float64(v)) || math.IsInf(float64(v), 0), "value %d is %v", i, v)
		require.True(t, v >= 0 && v <= 1, "value %d is %v", i, v)
	}
}

func TestMethodsOnRandomResNet(t *testing.T) {
	m := smallModel(t)
	x := randomInput(2, 64, 1)
	tests := []struct {
		name string
		opts Options
	}{
		{"cam", Options{Method: CAM}},
		{"gradcam layer4", Options{Method: GradCAM}},
		{"gradcam layer2.1.conv1", Options{Method: GradCAM, Layer: "layer2.1.conv1"}},
		{"gradcam++ layer4", Options{Method: GradCAMPlusPlus}},
		{"gradcam++ layer3", Options{Method: GradCAMPlusPlus, Layer: "layer3", Targets: []int{4}}},
		{"saliency", Options{Method: Saliency, Targets: []int{0, 3}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Compute(m, x, tc.opts)
			require.NoError(t, err)
			requireUnitMaps(t, res.Maps, 2, 64, 64)
			require.Len(t, res.Targets, 2)
			require.Equal(t, []int{2, 5}, res.Probs.Shape)
			require.Len(t, res.Predicted, 2)
			if tc.opts.Targets == nil {
				assert.Equal(t, res.Predicted, res.Targets, "default target is the prediction")
			}
			for i := 0; i < 2; i++ {
				_, hi := minMax(res.Maps.Data[i*64*64 : (i+1)*64*64])
				assert.Equal(t, float32(1), hi, "image %d is normalised on its own", i)
			}
		})
	}
}

// TestGradCAMLayer4IsScaledFCWeights uses the identity the reference README
// notes: after layer4 come only average pooling and fc, so the gradient of
// logit c with respect to layer4 is fc.weight[c]/(h*w) everywhere and the
// Grad-CAM weights are exactly those values.
func TestGradCAMLayer4IsScaledFCWeights(t *testing.T) {
	m := smallModel(t)
	x := randomInput(2, 64, 2)
	res, err := Compute(m, x, Options{Method: GradCAM, Targets: []int{1, 4}})
	require.NoError(t, err)
	k := m.FeatureChannels()
	hw := float32(2 * 2) // layer4 of a 64x64 input is 2x2
	for i, c := range []int{1, 4} {
		want := make([]float32, k)
		for j := range want {
			want[j] = m.FC.Weight.Data[c*k+j] / hw
		}
		assert.InDeltaSlice(t, want, res.Weights.Data[i*k:(i+1)*k], 1e-6)
	}
}

// TestBatchTargetsArePerImage explains one image for two classes in one
// batch; each map must equal the map of that image alone for its class.
// Score-CAM runs one forward pass per channel, so it explains layer1 (64
// channels) of a 32-pixel image.
func TestBatchTargetsArePerImage(t *testing.T) {
	m := smallModel(t)
	tests := []struct {
		method Method
		layer  string
		size   int
	}{
		{CAM, "layer4", 64},
		{GradCAM, "layer4", 64},
		{GradCAMPlusPlus, "layer4", 64},
		{ScoreCAM, "layer1", 32},
		{Saliency, "layer4", 64},
	}
	for _, tc := range tests {
		t.Run(string(tc.method), func(t *testing.T) {
			one := randomInput(1, tc.size, 3)
			two := nn.New(2, 3, tc.size, tc.size)
			copy(two.Data, one.Data)
			copy(two.Data[len(one.Data):], one.Data)
			both, err := Compute(m, two, Options{Method: tc.method, Layer: tc.layer, Targets: []int{0, 2}})
			require.NoError(t, err)
			assert.Equal(t, []int{0, 2}, both.Targets)
			plane := tc.size * tc.size
			for i, c := range []int{0, 2} {
				alone, err := Compute(m, one, Options{Method: tc.method, Layer: tc.layer, Targets: []int{c}})
				require.NoError(t, err)
				assert.InDeltaSlice(t, alone.Maps.Data, both.Maps.Data[i*plane:(i+1)*plane], 1e-5, "class %d", c)
			}
			assert.NotEqual(t, both.Maps.Data[:plane], both.Maps.Data[plane:], "two classes give two maps")
		})
	}
}

// TestScoreCAM checks Score-CAM's shape and range, recomputes two channel
// weights by hand (mask, forward, softmax probability), and checks that
// the pytorch-grad-cam weights are a softmax (sum to 1), with odd chunks
// on three goroutines.
func TestScoreCAM(t *testing.T) {
	m := smallModel(t)
	x := randomInput(1, 64, 4)
	// layer3 of a 64x64 input: 256 channels of 4x4.
	prob, err := Compute(m, x, Options{Method: ScoreCAM, Layer: "layer3", ScoreMode: ScoreProbability, Targets: []int{3}, ScoreBatch: 64})
	require.NoError(t, err)
	requireUnitMaps(t, prob.Maps, 1, 64, 64)
	require.Equal(t, []int{1, 256}, prob.Weights.Shape)

	out, err := m.Run(x, []string{"layer3"}, false)
	require.NoError(t, err)
	acts := out.Taps["layer3"]
	for _, k := range []int{0, 200} {
		up := make([]float32, 64*64)
		resizeAlignCorners(acts.Data[k*16:(k+1)*16], 4, 4, up, 64, 64)
		lo, hi := minMax(up)
		masked := x.Clone()
		for c := 0; c < 3; c++ {
			for p, v := range up {
				masked.Data[c*64*64+p] *= (v - lo) / (hi - lo + 1e-8)
			}
		}
		o, err := m.Run(masked, nil, false)
		require.NoError(t, err)
		assert.InDelta(t, nn.Softmax(o.Logits).Data[3], prob.Weights.Data[k], 1e-5, "channel %d", k)
	}

	var calls, last int
	soft, err := Compute(m, x, Options{Method: ScoreCAM, Layer: "layer3", Targets: []int{3}, ScoreBatch: 7, Workers: 3,
		Progress: func(done, total int) { calls++; last = done; require.Equal(t, 256, total) }})
	require.NoError(t, err)
	requireUnitMaps(t, soft.Maps, 1, 64, 64)
	assert.Equal(t, 256, last)
	assert.Equal(t, (256+6)/7, calls)
	var sum float64
	for _, w := range soft.Weights.Data {
		require.True(t, w > 0)
		sum += float64(w)
	}
	assert.InDelta(t, 1, sum, 1e-5)
}

func TestComputeRejectsBadOptions(t *testing.T) {
	m := smallModel(t)
	x := randomInput(2, 64, 5)
	tests := []struct {
		name string
		x    *nn.Tensor
		opts Options
		want string
	}{
		{"unknown layer", x, Options{Layer: "layer9"}, "unknown tap"},
		{"target out of range", x, Options{Targets: []int{0, 5}}, "out of range"},
		{"negative target", x, Options{Targets: []int{-1}}, "out of range"},
		{"three targets for two images", x, Options{Targets: []int{0, 1, 2}}, "3 target classes"},
		{"cam on layer3", x, Options{Method: CAM, Layer: "layer3"}, "last stage"},
		{"unknown method", x, Options{Method: "eigencam"}, "unknown method"},
		{"not an image batch", nn.New(2, 1, 8, 8), Options{}, "[N,3,H,W]"},
		{"nil input", nil, Options{}, "[N,3,H,W]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compute(m, tc.x, tc.opts)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func TestGradCAMPlusPlusWeightsByHand(t *testing.T) {
	// Channel 0: A = [1,3] (sum 4), g = [1,-1]: alpha = 1/(2+4+1e-6) at
	// the positive gradient, the negative one is cut by the ReLU.
	// Channel 1: A = [2,2] (sum 4), g = [.5,.5]: alpha = .25/(.5+.5+1e-6).
	acts := nn.FromData([]float32{1, 3, 2, 2}, 1, 2, 1, 2)
	grads := nn.FromData([]float32{1, -1, .5, .5}, 1, 2, 1, 2)
	w, err := GradCAMPlusPlusWeights(acts, grads)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float32{1 / (6 + 1e-6), 2 * .5 * .25 / (1 + 1e-6)}, w.Data, 1e-7)
	g, err := GradCAMWeights(grads)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float32{0, .5}, g.Data, 1e-7)
}

func TestParseMethod(t *testing.T) {
	for in, want := range map[string]Method{"cam": CAM, "Grad-CAM": GradCAM, "gradcam++": GradCAMPlusPlus,
		"GradCAMPlusPlus": GradCAMPlusPlus, "score_cam": ScoreCAM, "saliency": Saliency} {
		got, err := ParseMethod(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := ParseMethod("lime")
	assert.Error(t, err)
}
