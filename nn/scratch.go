package nn

import "sync"

// scratchPool recycles the temporary buffers (im2col columns and the like)
// of the ops, so that a warm forward pass does not allocate them again.
// It holds *[]float32; holders keeps the emptied pointers for reuse, so
// that handing a buffer back does not allocate either.
var scratchPool, holders sync.Pool

// getScratch returns a buffer of length n with unspecified contents.
func getScratch(n int) []float32 {
	if p, ok := scratchPool.Get().(*[]float32); ok {
		b := *p
		*p = nil
		holders.Put(p)
		if cap(b) >= n {
			return b[:n]
		}
	}
	return make([]float32, n)
}

// putScratch hands a buffer from getScratch back for reuse.
func putScratch(b []float32) {
	p, ok := holders.Get().(*[]float32)
	if !ok {
		p = new([]float32)
	}
	*p = b
	scratchPool.Put(p)
}

// anyTracked reports whether record would attach a node for these inputs.
// Ops test it before building their backward closure, so that a no-grad
// forward pass does not allocate one.
func anyTracked(inputs ...*Tensor) bool {
	for _, in := range inputs {
		if in != nil && in.Tracked() {
			return true
		}
	}
	return false
}
