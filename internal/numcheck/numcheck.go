// Package numcheck holds the numeric comparisons shared by the tests:
// the relative L2 error used by the PyTorch reference tolerances.
package numcheck

import "math"

// RelL2 returns ||got - want||_2 / ||want||_2, computed in float64. When
// want is all zeros it returns ||got||_2 (an absolute error), and +Inf when
// the lengths differ or got holds a NaN.
func RelL2(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var num, den float64
	for i := range got {
		d := float64(got[i]) - float64(want[i])
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	if math.IsNaN(num) {
		return math.Inf(1)
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}
