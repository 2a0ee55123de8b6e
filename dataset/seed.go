package dataset

import "math/rand/v2"

// splitmix64 is one step of the SplitMix64 mixer: a bijection that spreads
// nearby inputs over the whole 64-bit range.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// SampleRand returns the generator the Loader gives to the transforms of
// sample index in the given epoch: it depends only on (seed, epoch, index),
// never on which goroutine runs the sample. Use it to reproduce one
// augmented sample outside a loader.
func SampleRand(seed uint64, epoch, index int) *rand.Rand {
	a := splitmix64(seed ^ splitmix64(uint64(epoch)+0x51ed))
	b := splitmix64(a ^ splitmix64(uint64(index)+0xda7a))
	return rand.New(rand.NewPCG(a, b))
}

// epochRand returns the generator for the order of samples in an epoch.
func epochRand(seed uint64, epoch int) *rand.Rand {
	a := splitmix64(seed ^ 0x0de5c0ffee)
	return rand.New(rand.NewPCG(a, splitmix64(a^uint64(epoch))))
}
