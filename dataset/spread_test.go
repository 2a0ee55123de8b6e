package dataset

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
		got, err := d.Spread(tt.n, 7)
		require.NoError(t, err)
		assert.Equal(t, tt.wantLabels, labels(got), "n=%d", tt.n)
		again, err := d.Spread(tt.n, 7)
		require.NoError(t, err)
		assert.Equal(t, got, again, "same seed, same picks")
		seen := map[int]bool{}
		for _, i := range got {
			assert.False(t, seen[i], "index %d picked twice", i)
			seen[i] = true
		}
	}
}

// A hand-built Dataset whose label is not a class index gets an error
// naming the sample from every function that groups by class, not a panic.
func TestLabelOutOfRangeIsAnError(t *testing.T) {
	for _, label := range []int{-1, 2} {
		d := &Dataset{Classes: []string{"a", "b"}, Samples: []Sample{{Path: "a/1.png"}, {Path: "odd.png", Label: label}}}
		calls := map[string]func() error{
			"Spread":      func() error { _, err := d.Spread(2, 1); return err },
			"ClassCounts": func() error { _, err := d.ClassCounts(); return err },
			"Split":       func() error { _, _, err := d.Split(0.5, 1, true); return err },
			"Montage":     func() error { _, err := Montage(d, 1, 8, 1); return err },
		}
		for name, call := range calls {
			err := call()
			require.Error(t, err, "%s, label %d", name, label)
			assert.Contains(t, err.Error(), "odd.png", name)
			assert.Contains(t, err.Error(), "2 classes", name)
		}
	}
}
