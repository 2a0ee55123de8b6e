package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBufferCache(t *testing.T) {
	c := &bufferCache{limit: 4 * 40, free: map[int][][]float32{}}
	assert.Nil(t, c.take(8), "empty")
	a, b := make([]float32, 8), make([]float32, 8)
	c.refill([][]float32{a, b})
	assert.Equal(t, 64, c.bytes)
	assert.Nil(t, c.take(9), "sizes are exact")
	got := c.take(8)
	require.Len(t, got, 8)
	assert.Same(t, &b[0], &got[0], "last in, first out")
	assert.Equal(t, 32, c.bytes)

	c.refill([][]float32{make([]float32, 41)})
	assert.Equal(t, 32, c.bytes, "a buffer past the limit is not kept")
	assert.Nil(t, c.take(41))

	// A pass of other sizes that does not fit evicts the sizes it did
	// not use, not its own.
	c.refill([][]float32{make([]float32, 16), make([]float32, 16)})
	assert.Equal(t, 4*(8+16+16), c.bytes, "fits beside the 8")
	c.refill([][]float32{make([]float32, 20), make([]float32, 20)})
	assert.Nil(t, c.take(8), "evicted")
	assert.Nil(t, c.take(16), "evicted")
	require.NotNil(t, c.take(20))
	require.NotNil(t, c.take(20))
	assert.Zero(t, c.bytes)
}

// Buffers kept from an earlier pass, whatever they hold, give the same
// gradients as fresh ones: every reused buffer is zeroed or overwritten.
func TestGradientBuffersReusedAcrossPasses(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randT := func(shape ...int) *Tensor {
		x := New(shape...)
		for i := range x.Data {
			x.Data[i] = float32(rng.NormFloat64())
		}
		return x
	}
	x, w1, w2 := randT(2, 3, 8, 8), randT(4, 3, 3, 3), randT(4, 4, 3, 3)
	cfg := Conv2dOptions(1, 1, 1, 1)
	loss := func(x *Tensor) *Tensor {
		h := ReLU(Conv2d(x, w1, nil, cfg))
		return Sum(Add(ReLU(Conv2d(h, w2, nil, cfg)), h))
	}
	ReleaseGradientBuffers()
	xin := x.Clone().RequiresGrad()
	want := Grad(loss(xin), nil, xin)[0].Data

	// Fill the cache with NaN buffers of every size the pass uses.
	ReleaseGradientBuffers()
	for _, n := range []int{2 * 4 * 8 * 8, 2 * 3 * 8 * 8} {
		for range 4 {
			b := make([]float32, n)
			for i := range b {
				b[i] = float32(math.NaN())
			}
			gradCache.refill([][]float32{b})
		}
	}
	for pass := range 3 {
		xin := x.Clone().RequiresGrad()
		got := Grad(loss(xin), nil, xin)[0].Data
		require.Equal(t, want, got, "pass %d", pass)
	}
	ReleaseGradientBuffers()
	assert.Zero(t, gradCache.bytes)
}
