package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// randSlices returns k slices of n floats, normal with a few special
// values (zeros of both signs, NaN, infinities, subnormals) mixed in.
func randSlices(rng *rand.Rand, k, n int) [][]float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e-40}
	out := make([][]float32, k)
	for j := range out {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(rng.NormFloat64())
			if rng.IntN(50) == 0 {
				s[i] = special[rng.IntN(len(special))]
			}
		}
		out[j] = s
	}
	return out
}

func requireSameBits(t *testing.T, want, got []float32, what string) {
	t.Helper()
	for i := range want {
		if math.Float32bits(want[i]) != math.Float32bits(got[i]) && !(want[i] != want[i] && got[i] != got[i]) {
			require.Failf(t, "bits differ", "%s[%d]: want %v, got %v", what, i, want[i], got[i])
		}
	}
}

// The vector loops (and halves' split of long tensors) give the bits of
// the element-by-element rule, for every length around the vector width,
// also when the compiler may fuse multiply-adds (GOAMD64=v3).
func TestUpdateLoopsMatchScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 100, minParallel + 13} {
		for _, wd := range []float32{0, 1e-2} {
			// SGD with momentum, after the first step.
			s := randSlices(rng, 3, n)
			w, g, buf := s[0], s[1], s[2]
			ww, wbuf := append([]float32(nil), w...), append([]float32(nil), buf...)
			mom, damp, negLR := float32(0.9), float32(0.8), float32(-0.05)
			halves(n, func(lo, hi int) { sgdMomentum(w[lo:hi], g[lo:hi], buf[lo:hi], true, false, wd, mom, damp, negLR) })
			for i := range ww {
				d := g[i]
				if wd != 0 {
					d = g[i] + float32(wd*ww[i])
				}
				wbuf[i] = float32(wbuf[i]*mom) + float32(damp*d)
				ww[i] += float32(negLR * wbuf[i])
			}
			requireSameBits(t, wbuf, buf, "sgd buf")
			requireSameBits(t, ww, w, "sgd w")

			// AdamW and Adam without weight decay.
			for _, decoupled := range []bool{true, false} {
				if !decoupled && wd != 0 {
					continue // Adam's L2 term runs in Go only
				}
				s = randSlices(rng, 4, n)
				w, g, m, v := s[0], s[1], s[2], s[3]
				for i := range v {
					v[i] = float32(math.Abs(float64(v[i])))
				}
				ww, wm, wv := append([]float32(nil), w...), append([]float32(nil), m...), append([]float32(nil), v...)
				k := adamStep{decoupled: decoupled, negStep: -1e-3, b1: 0.9, b2: 0.999, omb1: 0.1, omb2: 0.001,
					eps: 1e-8, wd: wd, decay: 1 - 1e-3*wd, bc2Sqrt: 0.3}
				halves(n, func(lo, hi int) { k.run(w[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], nil) })
				for i := range ww {
					if wd != 0 {
						ww[i] *= k.decay
					}
					wm[i] = float32(wm[i]*k.b1) + float32(k.omb1*g[i])
					wv[i] = float32(wv[i]*k.b2) + float32(k.omb2*g[i]*g[i])
					ww[i] += float32(k.negStep * wm[i] / (float32(sqrt32(wv[i])/k.bc2Sqrt) + k.eps))
				}
				requireSameBits(t, wm, m, "adam m")
				requireSameBits(t, wv, v, "adam v")
				requireSameBits(t, ww, w, "adam w")
			}
		}
	}
}
