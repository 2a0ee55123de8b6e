package dataset

import "math/rand/v2"

// Spread picks up to n sample indices round-robin over the classes: one
// sample of every class, then a second of every class, and so on, each
// class's samples taken in a random order fixed by seed. It is how the
// examples choose the validation images they show, so that every class
// appears before any appears twice. Fewer than n come back when the data
// set is smaller. A sample whose label is not a class index is an error.
func (d *Dataset) Spread(n int, seed uint64) ([]int, error) {
	rng := rand.New(rand.NewPCG(seed, 0xca))
	byClass, err := d.byClass()
	if err != nil {
		return nil, err
	}
	for _, idx := range byClass {
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
	}
	var out []int
	for round := 0; len(out) < n; round++ {
		added := false
		for _, idx := range byClass {
			if round < len(idx) && len(out) < n {
				out = append(out, idx[round])
				added = true
			}
		}
		if !added {
			break
		}
	}
	return out, nil
}
