package nn

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConv2dIntoMatchesConv2d(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, tc := range []struct {
		name string
		x, w []int
		cfg  ConvConfig
		bias bool
	}{
		{"row tiles", []int{2, 16, 40, 40}, []int{8, 16, 3, 3}, Conv2dOptions(1, 1, 1, 1), false},
		{"row tiles with bias", []int{2, 16, 40, 40}, []int{8, 16, 3, 3}, Conv2dOptions(2, 1, 1, 1), true},
		{"image tiles", []int{21, 64, 6, 6}, []int{9, 64, 3, 3}, Conv2dOptions(1, 1, 1, 1), true},
		{"chunked", []int{1, 64, 7, 7}, []int{9, 64, 3, 3}, Conv2dOptions(1, 1, 1, 1), false},
		{"chunked pointwise", []int{1, 512, 7, 7}, []int{600, 512, 1, 1}, ConvConfig{}, true},
		{"groups", []int{2, 12, 20, 20}, []int{6, 4, 3, 3}, Conv2dOptions(1, 2, 2, 3), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.w[0])))
			x, w := gcRandnF32(rng, tc.x...), gcRandnF32(rng, tc.w...)
			var b *Tensor
			if tc.bias {
				b = gcRandnF32(rng, tc.w[0])
			}
			want := Conv2d(x, w, b, tc.cfg)
			y := New(want.Shape...)
			for i := range y.Data {
				y.Data[i] = 7 // stale contents must be overwritten
			}
			require.Same(t, y, Conv2dInto(y, x, w, b, tc.cfg))
			require.Equal(t, want.Data, y.Data)
		})
	}
}

func TestConv2dIntoRefusesBadOutputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, w := gcRandnF32(rng, 1, 3, 8, 8), gcRandnF32(rng, 4, 3, 3, 3)
	cfg := Conv2dOptions(1, 1, 1, 1)
	shared := make([]float32, 512) // an input and an output in one buffer
	xShared, yShared := FromData(shared[:192], 1, 3, 8, 8), FromData(shared[100:356], 1, 4, 8, 8)
	short := New(1, 4, 8, 8)
	short.Data = short.Data[:10]
	wShared := make([]float32, 400) // weights and output in one buffer
	copy(wShared, w.Data)
	wOver := FromData(wShared[:len(w.Data)], w.Shape...)
	for _, tc := range []struct {
		name    string
		y, x, w *Tensor
		want    string
	}{
		{"nil output", nil, x, w, "output [] must be [1 4 8 8]"},
		{"wrong shape", New(1, 4, 6, 6), x, w, "output [1 4 6 6] must be [1 4 8 8]"},
		{"short data", short, x, w, "Conv2dInto: output"},
		{"overlaps input", yShared, xShared, w, "overlaps the input"},
		{"overlaps weights", FromData(wShared[100:356], 1, 4, 8, 8), x, wOver, "overlaps the input, the weights"},
		{"tracked input", New(1, 4, 8, 8), Track(x), w, "records no graph"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Try(func() { Conv2dInto(tc.y, tc.x, tc.w, nil, cfg) })
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestConv2dIntoAllocatesNothing checks the promise of Conv2dInto on the
// tiled and the chunked path, with and without bias.
func TestConv2dIntoAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, tc := range []struct {
		name string
		x, w []int
		bias bool
	}{
		{"tiled", []int{1, 64, 56, 56}, []int{64, 64, 3, 3}, false},
		{"chunked", []int{1, 256, 14, 14}, []int{256, 256, 3, 3}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			x, w := gcRandnF32(rng, tc.x...), gcRandnF32(rng, tc.w...)
			var b *Tensor
			if tc.bias {
				b = gcRandnF32(rng, tc.w[0])
			}
			cfg := Conv2dOptions(1, 1, 1, 1)
			y := Conv2d(x, w, b, cfg)
			allocs := testing.AllocsPerRun(20, func() { Conv2dInto(y, x, w, b, cfg) })
			require.Zero(t, allocs)
		})
	}
}
