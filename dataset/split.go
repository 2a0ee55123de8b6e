package dataset

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Split divides d into a training and a validation part, for a data set that
// has no separate validation folder. About valFraction of the samples go to
// val: round(valFraction*n) of each class when stratified, else
// round(valFraction*N) overall. The choice depends only on seed. Both parts
// keep d's order, classes and cache.
func (d *Dataset) Split(valFraction float64, seed uint64, stratified bool) (train, val *Dataset, err error) {
	if !(valFraction >= 0 && valFraction <= 1) {
		return nil, nil, fmt.Errorf("dataset: Split: valFraction %v is not in [0,1]", valFraction)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed5911))
	inVal := make([]bool, len(d.Samples))
	pick := func(idx []int) {
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		k := int(math.Round(valFraction * float64(len(idx))))
		for _, i := range idx[:k] {
			inVal[i] = true
		}
	}
	if stratified {
		byClass, err := d.byClass()
		if err != nil {
			return nil, nil, err
		}
		for _, idx := range byClass {
			pick(idx)
		}
	} else {
		idx := make([]int, len(d.Samples))
		for i := range idx {
			idx[i] = i
		}
		pick(idx)
	}
	var ti, vi []int
	for i, v := range inVal {
		if v {
			vi = append(vi, i)
		} else {
			ti = append(ti, i)
		}
	}
	sort.Ints(ti)
	sort.Ints(vi)
	if train, err = d.Subset(ti); err != nil {
		return nil, nil, err
	}
	if val, err = d.Subset(vi); err != nil {
		return nil, nil, err
	}
	return train, val, nil
}
