package dream

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/nn"
)

// randomTensor is a [1,3,h,w] tensor of standard normal values.
func randomTensor(h, w int, seed uint64) *nn.Tensor {
	rng := rand.New(rand.NewPCG(seed, 1))
	t := nn.New(1, 3, h, w)
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}

// upTo resizes t through sizes[from-1], ..., sizes[0], one octave at a
// time, as the way back up the pyramid does.
func upTo(t *nn.Tensor, sizes []Size, from int) *nn.Tensor {
	for o := from - 1; o >= 0; o-- {
		t = nn.ResizeBilinear(t, sizes[o].H, sizes[o].W)
	}
	return t
}

// The octave loop driven by a stub step that adds a known pattern at
// chosen octaves: whatever an octave adds must reach the full-size result,
// resized octave by octave, on top of the untouched input. Dropping the
// re-injection (or re-injecting the wrong thing) loses the patterns of the
// smaller octaves and fails.
func TestAscendCarriesDetailUp(t *testing.T) {
	x := randomTensor(31, 44, 1)
	sizes := OctaveSizes(31, 44, 4, 1.4)
	patterns := make([]*nn.Tensor, len(sizes))
	for o, s := range sizes {
		patterns[o] = randomTensor(s.H, s.W, uint64(10+o))
	}
	tests := []struct {
		name  string
		steps int
		at    []int // octaves (0 = full size) at which each step adds its pattern
	}{
		{"smallest octave only", 1, []int{3}},
		{"a middle octave only", 1, []int{2}},
		{"two steps at every octave", 2, []int{0, 1, 2, 3}},
		{"not at the full size", 3, []int{1, 3}},
		{"no steps", 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bases := pyramid(x.Clone(), sizes)
			calls := map[Size]int{}
			step := func(cur *nn.Tensor) (float32, bool, error) {
				s := Size{cur.Shape[2], cur.Shape[3]}
				calls[s]++
				for _, o := range tc.at {
					if sizes[o] == s {
						for i, v := range patterns[o].Data {
							cur.Data[i] += v
						}
						return float32(calls[s]), true, nil
					}
				}
				return float32(calls[s]), false, nil
			}
			var progress []Progress
			got, stats, err := ascend(bases, sizes, tc.steps, step, func(p Progress) { progress = append(progress, p) })
			require.NoError(t, err)

			want := x.Clone()
			for _, o := range tc.at {
				add := upTo(patterns[o], sizes, o)
				for i, v := range add.Data {
					want.Data[i] += float32(tc.steps) * v
				}
			}
			require.Equal(t, x.Shape, got.Shape)
			var worst float64
			for i := range got.Data {
				worst = max(worst, math.Abs(float64(got.Data[i]-want.Data[i])))
			}
			assert.Less(t, worst, 1e-4, "largest difference from input + carried detail")
			if len(tc.at) == 0 {
				assert.Equal(t, x.Data, got.Data, "nothing added: the input bit for bit")
			}

			require.Len(t, stats, len(sizes))
			require.Len(t, progress, len(sizes))
			for i, st := range stats {
				s := sizes[len(sizes)-1-i]
				assert.Equal(t, s, st.Size)
				assert.Len(t, st.Objective, tc.steps)
				assert.Equal(t, tc.steps, calls[s])
				assert.Equal(t, i+1, progress[i].Octave)
			}
		})
	}

	t.Run("an error names the octave", func(t *testing.T) {
		bad := func(*nn.Tensor) (float32, bool, error) { return 0, false, fmt.Errorf("boom") }
		_, _, err := ascend(pyramid(x.Clone(), sizes), sizes, 1, bad, nil)
		require.ErrorContains(t, err, "octave 1 (11x16): boom")
	})
}

// The same through Dream: on the identity model the mean objective has the
// gradient 1/N everywhere, so without jitter, smoothing or decorrelation
// each step adds LR to every value of a flat gray image. The result is
// the input plus LR times all the steps of all the octaves; a run that did
// not carry the detail up would keep only the full-size octave's steps.
func TestDreamKeepsTheSmallOctavesSteps(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Layer, cfg.Objective = "x", Mean
	cfg.Jitter, cfg.Smooth, cfg.Decorrelate, cfg.TileSize = 0, 0, false, 0
	cfg.Mean, cfg.Std = [3]float32{}, [3]float32{1, 1, 1}
	cfg.LR, cfg.Steps = 0.01, 2
	for _, octaves := range []int{1, 2, 4} {
		cfg.Octaves = octaves
		x := nn.New(1, 3, 31, 44)
		for i := range x.Data {
			x.Data[i] = 0.4
		}
		res, err := DreamTensor(&identity{}, x, cfg)
		require.NoError(t, err)
		want := 0.4 + float64(cfg.LR)*float64(cfg.Steps*octaves)
		for i, v := range res.Tensor.Data {
			require.InDelta(t, want, v, 1e-4, "%d octaves, element %d", octaves, i)
		}
	}
}
