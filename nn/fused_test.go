package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// randomBN returns an eval-mode BatchNorm over c channels with random
// affine parameters and running statistics.
func randomBN(rng *rand.Rand, c int) *BatchNorm2dLayer {
	bn := NewBatchNorm2dLayer(c)
	for i := range c {
		bn.Weight.Data[i] = float32(rng.NormFloat64())
		bn.Bias.Data[i] = float32(rng.NormFloat64())
		bn.RunningMean.Data[i] = float32(rng.NormFloat64())
		bn.RunningVar.Data[i] = float32(0.1 + rng.Float64())
	}
	bn.Training = false
	return bn
}

func randomData(rng *rand.Rand, shape ...int) *Tensor {
	t := New(shape...)
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}

// The fused inference op equals conv, BatchNorm, Add and ReLU run one after
// the other, bit for bit, on the tiled and the chunked conv paths (large
// and small feature maps, batch 1 and several images), with and without a
// residual and ReLU.
func TestConvBNActEqualsSeparateOps(t *testing.T) {
	tests := []struct {
		n, cin, h, cout, k, stride, pad, groups int
	}{
		{1, 3, 40, 16, 7, 2, 3, 1},  // a stem: tiled rows of one image
		{2, 16, 28, 16, 3, 1, 1, 1}, // 'same' 3x3
		{3, 32, 7, 64, 3, 1, 1, 1},  // small maps: whole images per tile or chunked
		{1, 64, 7, 64, 3, 1, 1, 1},  // one small image: chunked, straight into y
		{4, 16, 14, 32, 1, 2, 0, 1}, // 1x1 stride-2 downsample
		{2, 8, 9, 8, 3, 2, 1, 2},    // groups, odd size
		{5, 8, 5, 12, 1, 1, 0, 1},   // pointwise
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range tests {
		conv := NewConv2dLayer(tc.cin, tc.cout, tc.k, Conv2dOptions(tc.stride, tc.pad, 1, tc.groups), false, rng)
		bn := randomBN(rng, tc.cout)
		x := randomData(rng, tc.n, tc.cin, tc.h, tc.h)
		oh := ConvOutSize(tc.h, tc.k, tc.stride, tc.pad, 1)
		res := randomData(rng, tc.n, tc.cout, oh, oh)
		for _, withRes := range []bool{false, true} {
			for _, relu := range []bool{false, true} {
				t.Run(fmt.Sprintf("%+v/res=%t/relu=%t", tc, withRes, relu), func(t *testing.T) {
					want := bn.Forward(conv.Forward(x))
					var r *Tensor
					if withRes {
						r = res
						want = Add(want, r)
					}
					if relu {
						want = ReLU(want)
					}
					got := ConvBNAct(x, conv, bn, r, relu)
					require.Equal(t, want.Shape, got.Shape)
					assert.Equal(t, want.Data, got.Data)
					assert.Nil(t, got.node, "nothing recorded on an untracked input")
				})
			}
		}
	}
}

// On a tracked input, or with batch statistics, ConvBNAct is the plain
// composition: gradients flow and the running statistics are updated.
func TestConvBNActComposesWhenNotInference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	conv := NewConv2dLayer(4, 6, 3, Conv2dOptions(1, 1, 1, 1), false, rng)
	bn := randomBN(rng, 6)
	x := randomData(rng, 2, 4, 5, 5)
	res := randomData(rng, 2, 6, 5, 5)

	xt := x.Clone().RequiresGrad()
	y := ConvBNAct(xt, conv, bn, res, true)
	Sum(y).Backward()
	xs := x.Clone().RequiresGrad()
	Sum(ReLU(Add(bn.Forward(conv.Forward(xs)), res))).Backward()
	assert.Equal(t, xs.Grad.Data, xt.Grad.Data)

	bn.Training = true
	before := append([]float32(nil), bn.RunningMean.Data...)
	ConvBNAct(x, conv, bn, nil, true)
	assert.NotEqual(t, before, bn.RunningMean.Data, "batch statistics update the running mean")
	assert.EqualValues(t, 1, bn.NumBatchesTracked)
}

func TestConvBNActErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	conv := NewConv2dLayer(4, 6, 3, Conv2dOptions(1, 1, 1, 1), false, rng)
	x := randomData(rng, 1, 4, 5, 5)
	assertPanics(t, func() { ConvBNAct(x, conv, randomBN(rng, 6), New(1, 6, 4, 4), false) },
		"ConvBNAct: residual [1 6 4 4] does not match the conv output [1 6 5 5]")
	assertPanics(t, func() { ConvBNAct(x, conv, randomBN(rng, 5), nil, false) },
		"BatchNorm parameter of shape [5] does not match 6 conv output channels")
	assertPanics(t, func() { ConvBNAct(New(1, 3, 5, 5), conv, randomBN(rng, 6), nil, false) }, "Conv2d")
}
