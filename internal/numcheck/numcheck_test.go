package numcheck

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRelL2(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name      string
		got, want []float32
		rel       float64
	}{
		{"equal", []float32{1, -2, 3}, []float32{1, -2, 3}, 0},
		// ||(0,4)-(3,0)|| = 5, ||(3,0)|| = 3.
		{"3-4-5", []float32{0, 4}, []float32{3, 0}, 5.0 / 3},
		{"one percent", []float32{1.01, 0}, []float32{1, 0}, 0.01},
		// want all zero: the absolute error ||got|| = 5.
		{"zero reference", []float32{3, 4}, []float32{0, 0}, 5},
		{"empty", nil, nil, 0},
		{"lengths differ", []float32{1}, []float32{1, 2}, math.Inf(1)},
		{"NaN", []float32{nan, 1}, []float32{1, 1}, math.Inf(1)},
		// float32 squares of 1e30 overflow; the float64 sums do not.
		{"large values", []float32{2e30}, []float32{1e30}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := RelL2(tc.got, tc.want)
			if math.IsInf(tc.rel, 1) {
				require.True(t, math.IsInf(got, 1), "got %v", got)
				return
			}
			require.InDelta(t, tc.rel, got, 1e-6*math.Max(1, tc.rel))
		})
	}
}
