package nn

import "sync"

// scratchPool recycles the temporary buffers (im2col columns and the like)
// of the ops, so that a warm forward pass does not allocate them again.
var scratchPool sync.Pool

// getScratch returns a buffer of length n with unspecified contents.
func getScratch(n int) []float32 {
	if p, ok := scratchPool.Get().(*[]float32); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]float32, n)
}

// putScratch hands a buffer from getScratch back for reuse.
func putScratch(b []float32) {
	scratchPool.Put(&b)
}
