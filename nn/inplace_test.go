package nn

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// In-place ReLU and Add give the same values and gradients as the
// out-of-place ops, write into their input when its producer's backward
// does not read it, and copy otherwise.
func TestInPlaceOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	conv := NewConv2dLayer(3, 4, 3, Conv2dOptions(1, 1, 1, 1), false, rng)
	conv2 := NewConv2dLayer(4, 4, 3, Conv2dOptions(1, 1, 1, 1), false, rng)
	bn := randomBN(rng, 4)
	bn.Training = true
	x := randomData(rng, 2, 3, 6, 6)
	res := randomData(rng, 2, 4, 6, 6)

	// chain runs conv -> bn -> relu -> conv... -> add -> relu, with either
	// set of ops, and returns the output and the input's gradient.
	chain := func(relu func(*Tensor) *Tensor, add func(a, b *Tensor) *Tensor) (*Tensor, *Tensor, *Tensor) {
		xt := x.Clone().RequiresGrad()
		b := bn.Forward(conv.Forward(xt))
		h := relu(b)
		y := relu(add(bn.Forward(conv2.Forward(MaxPool2d(h, PoolConfig{Kernel: 3, Stride: 1, Pad: 1}))), res))
		Sum(y).Backward()
		return y, xt.Grad, b
	}
	want, wantGrad, _ := chain(ReLU, Add)
	got, gotGrad, b := chain(ReLUInPlace, AddInPlace)
	assert.Equal(t, want.Data, got.Data)
	assert.Equal(t, wantGrad.Data, gotGrad.Data)
	for _, v := range b.Data {
		require.GreaterOrEqual(t, v, float32(0), "the BatchNorm output was overwritten by the ReLU")
	}

	tests := []struct {
		name string
		in   func() *Tensor
		inPl bool
	}{
		{"after BatchNorm2d", func() *Tensor { return bn.Forward(conv.Forward(Track(x))) }, true},
		{"after Conv2d", func() *Tensor { return conv.Forward(Track(x)) }, true},
		{"after Add", func() *Tensor { return Add(Track(res), res) }, true},
		{"untracked", func() *Tensor { return res.Clone() }, true},
		{"after MaxPool2d (its backward reads its output)", func() *Tensor { return MaxPool2d(Track(x), PoolConfig{Kernel: 2, Stride: 2}) }, false},
		{"after ReLU (its backward reads its output)", func() *Tensor { return ReLU(Track(x)) }, false},
		{"a leaf that requires grad", func() *Tensor { return x.Clone().RequiresGrad() }, false},
		{"a tracked input", func() *Tensor { return Track(x.Clone()) }, false},
		{"a retained tensor", func() *Tensor { return conv.Forward(Track(x)).RetainGrad() }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in()
			before := append([]float32(nil), in.Data...)
			y := ReLUInPlace(in)
			assert.Equal(t, tc.inPl, &y.Data[0] == &in.Data[0], "ReLU wrote in place")
			if !tc.inPl {
				assert.Equal(t, before, in.Data, "input left alone")
			}
			in = tc.in()
			y = AddInPlace(in, in.Clone())
			assert.Equal(t, tc.inPl, &y.Data[0] == &in.Data[0], "Add wrote in place")
		})
	}
	assertPanics(t, func() { AddInPlace(conv.Forward(Track(x)), New(1, 2)) }, "nn: Add: shapes [2 4 6 6] and [1 2] differ")
}

// A backward pass reuses the buffers of intermediate gradients: a long
// chain of same-size ops allocates a few, not one per op, and the
// gradients are unchanged.
func TestBackwardReusesGradientBuffers(t *testing.T) {
	x := randomData(rand.New(rand.NewPCG(1, 1)), 64, 1024).RequiresGrad()
	h := x
	for range 50 {
		h = Scale(ReLU(Add(h, h)), 0.5)
	}
	loss := Sum(h)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	loss.Backward()
	runtime.ReadMemStats(&after)
	bytes := after.TotalAlloc - before.TotalAlloc
	want := x.Clone()
	for i, v := range x.Data {
		want.Data[i] = 0
		if v > 0 {
			want.Data[i] = 1
		}
	}
	assert.Equal(t, want.Data, x.Grad.Data)
	// 150 intermediate gradients of 256 KiB each: without reuse, 37.5 MiB.
	assert.Less(t, bytes, uint64(16*len(x.Data)*4), "bytes allocated by one backward pass over 150 ops")
}
