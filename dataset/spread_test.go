package dataset

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSpread(t *testing.T) {
	// Class 0 has 3 samples, class 1 has 1, class 2 has 2.
	d := &Dataset{Classes: []string{"a", "b", "c"}, Samples: []Sample{
		{Label: 0}, {Label: 0}, {Label: 1}, {Label: 2}, {Label: 0}, {Label: 2},
	}}
	labels := func(idx []int) []int {
		out := make([]int, len(idx))
		for i, j := range idx {
			out[i] = d.Samples[j].Label
		}
		return out
	}
	tests := []struct {
		n          int
		wantLabels []int
	}{
		{0, []int{}},
		{2, []int{0, 1}},
		{3, []int{0, 1, 2}},
		{5, []int{0, 1, 2, 0, 2}},
		{100, []int{0, 1, 2, 0, 2, 0}},
	}
	for _, tt := range tests {
		got := d.Spread(tt.n, 7)
		assert.Equal(t, tt.wantLabels, labels(got), "n=%d", tt.n)
		assert.Equal(t, got, d.Spread(tt.n, 7), "same seed, same picks")
		seen := map[int]bool{}
		for _, i := range got {
			assert.False(t, seen[i], "index %d picked twice", i)
			seen[i] = true
		}
	}
}
