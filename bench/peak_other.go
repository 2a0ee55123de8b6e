//go:build !amd64 || purego

package bench

const flopsPerIter = 1

func fmaLoop(n int) {}

// hasFMA is false: the FMA probe is written for amd64 only.
func hasFMA() bool { return false }
