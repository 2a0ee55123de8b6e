package dream

import (
	"fmt"
	"math"

	"github.com/seedling-ml/seedling/nn"
)

// Size is a height and a width in pixels.
type Size struct{ H, W int }

// OctaveSizes returns the sizes of an image pyramid of n octaves, largest
// (h x w) first: octave i is round(h / scale^i) x round(w / scale^i), at
// least 1x1. The sizes are computed once; going back up, the detail is
// resized to exactly these sizes (never multiplied by scale, which would
// drift by a pixel on odd sizes).
func OctaveSizes(h, w, n int, scale float64) []Size {
	sizes := make([]Size, n)
	for i := range sizes {
		f := math.Pow(scale, float64(i))
		sizes[i] = Size{max(1, int(math.Round(float64(h)/f))), max(1, int(math.Round(float64(w)/f)))}
	}
	return sizes
}

// pyramid returns x resized to each size, x itself first (not a copy):
// each octave is resized from the previous one, as the classic algorithm
// does.
func pyramid(x *nn.Tensor, sizes []Size) []*nn.Tensor {
	out := make([]*nn.Tensor, len(sizes))
	out[0] = x
	for i := 1; i < len(sizes); i++ {
		out[i] = nn.ResizeBilinear(out[i-1], sizes[i].H, sizes[i].W)
	}
	return out
}

// stepFunc runs one step of gradient ascent on x in place and returns the
// objective before the step and whether x moved.
type stepFunc func(x *nn.Tensor) (float32, bool, error)

// ascend runs the octave loop over bases, the pyramid of the input
// (bases[i] at sizes[i], largest first), smallest octave first, calling
// step steps times per octave. Each octave starts from its base plus the
// detail dreamed so far (the previous octave's result minus its base),
// resized bilinearly to this octave's stored size: what the smaller
// octaves added is carried up to the full size. It returns the full-size
// result (with no change at all, bases[0] + 0 bit for bit; bases are not
// modified) and the stats of each octave, smallest first; progress, when
// not nil, is called after each octave.
func ascend(bases []*nn.Tensor, sizes []Size, steps int, step stepFunc, progress func(Progress)) (*nn.Tensor, []OctaveStats, error) {
	var stats []OctaveStats
	var detail, cur *nn.Tensor
	for o := len(sizes) - 1; o >= 0; o-- {
		base := bases[o]
		cur = base.Clone()
		if detail != nil {
			up := nn.ResizeBilinear(detail, sizes[o].H, sizes[o].W)
			for i, v := range up.Data {
				cur.Data[i] += v
			}
		}
		st := OctaveStats{Size: sizes[o]}
		for range steps {
			v, moved, err := step(cur)
			if err != nil {
				return nil, nil, fmt.Errorf("dream: octave %d (%dx%d): %w", len(sizes)-o, sizes[o].H, sizes[o].W, unprefixed{err})
			}
			st.Objective = append(st.Objective, v)
			if !moved {
				st.ZeroGradSteps++
			}
		}
		detail = nn.New(cur.Shape...)
		for i, v := range cur.Data {
			detail.Data[i] = v - base.Data[i]
		}
		stats = append(stats, st)
		if progress != nil {
			p := Progress{Octave: len(sizes) - o, Octaves: len(sizes), Height: sizes[o].H, Width: sizes[o].W, ZeroGradSteps: st.ZeroGradSteps}
			if n := len(st.Objective); n > 0 {
				p.First, p.Last = st.Objective[0], st.Objective[n-1]
			}
			progress(p)
		}
	}
	return cur, stats, nil
}
