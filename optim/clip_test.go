package optim

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/nn"
)

// TestClipGradNorm checks clipping on a hand-computed case: gradients
// [3, 4] and [12] have global norm sqrt(9+16+144) = 13; a parameter with
// no gradient is ignored.
func TestClipGradNorm(t *testing.T) {
	tests := []struct {
		name    string
		maxNorm float64
		scale   float64 // expected factor on the gradients
	}{
		{"clipped to half", 6.5, 6.5 / (13 + 1e-6)},
		{"clipped hard", 0.1, 0.1 / (13 + 1e-6)},
		{"at the limit", 13, 13 / (13 + 1e-6)}, // 13/(13+1e-6) < 1: torch scales by 0.99999992...
		{"not clipped", 20, 1},                 // factor 20/13 > 1 leaves the gradients alone
		{"exactly above", 13.000001, 1},        // factor 1 to float32 precision
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b, none := param("a", 0, 0), param("b", 0), param("none", 7)
			grad(a, 3, 4)
			grad(b, 12)
			params := []nn.Named{a, none, b}
			norm, err := ClipGradNorm(params, tc.maxNorm)
			require.NoError(t, err)
			assert.Equal(t, 13.0, norm)
			c := float32(tc.scale)
			assert.Equal(t, []float32{3 * c, 4 * c}, a.Tensor.Grad.Data)
			assert.Equal(t, []float32{12 * c}, b.Tensor.Grad.Data)
			assert.Nil(t, none.Tensor.Grad)
			if tc.scale < 1 {
				assert.InDelta(t, tc.maxNorm, GradNorm(params), 1e-5*tc.maxNorm)
			}
		})
	}
}

// TestGradNormFloat64 checks that the norm is accumulated in float64: a
// million gradients of 1e-4 and one of 1 give sqrt(1 + 1e6*1e-8) =
// sqrt(1.01), which float32 accumulation gets visibly wrong.
func TestGradNormFloat64(t *testing.T) {
	big := nn.New(1_000_000)
	for i := range big.Data {
		big.Data[i] = 1e-4
	}
	p := nn.Named{Name: "w", Tensor: nn.NewParameter(make([]float32, 1_000_001), 1_000_001)}
	p.Tensor.Grad = nn.FromData(append(big.Data, 1), 1_000_001)
	want := math.Sqrt(1 + 1e6*float64(float32(1e-4))*float64(float32(1e-4)))
	assert.InDelta(t, want, GradNorm([]nn.Named{p}), 1e-12)
}

// TestClipGradNormErrors checks the non-finite and bad-argument errors,
// which leave every gradient unchanged.
func TestClipGradNormErrors(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(-1))
	tests := []struct {
		name    string
		grads   [][]float32
		maxNorm float64
		want    string
		finite  bool // IsNonFinite(err)
	}{
		{"nan", [][]float32{{1, nan}, {2}}, 1, `non-finite gradient (1 NaN, 0 Inf) in "p0"`, true},
		{"inf in two", [][]float32{{inf, 1}, {nan}}, 1, `(1 NaN, 1 Inf) in "p0", "p1"`, true},
		{"zero max", [][]float32{{1}, {2}}, 0, "maxNorm 0 is not a positive finite number", false},
		{"nan max", [][]float32{{1}, {2}}, math.NaN(), "maxNorm NaN", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			params := []nn.Named{param("p0", 0, 0), param("p1", 0)}
			for i, g := range tc.grads {
				params[i].Tensor.Grad = nn.FromData(append([]float32(nil), g...), len(g))
			}
			_, err := ClipGradNorm(params, tc.maxNorm)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, tc.finite, IsNonFinite(err))
			for i, g := range tc.grads {
				for j := range g { // unchanged, NaN included
					assert.Equal(t, math.Float32bits(g[j]), math.Float32bits(params[i].Tensor.Grad.Data[j]))
				}
			}
		})
	}
}

// TestCheckFiniteGrads checks the error lists at most five names.
func TestCheckFiniteGrads(t *testing.T) {
	var params []nn.Named
	for i := range 7 {
		p := param(string(rune('a'+i)), 0)
		grad(p, float32(math.Inf(1)))
		params = append(params, p)
	}
	params = append(params, param("fine", 1))
	grad(params[7], 1)
	err := CheckFiniteGrads(params)
	require.Error(t, err)
	assert.Equal(t, `non-finite gradient (0 NaN, 7 Inf) in "a", "b", "c", "d", "e" and 2 more`, err.Error())
	require.NoError(t, CheckFiniteGrads(params[7:]))
}
