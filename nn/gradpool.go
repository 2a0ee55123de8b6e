package nn

import "sync"

// gradPool recycles the buffers of intermediate gradients within one
// backward pass. A ResNet has many activations of each size, so a pass
// then allocates a few buffers per size instead of one per activation, and
// its memory is not left for the garbage collector. At the end of the pass
// the buffers go to gradCache, for the next pass.
type gradPool map[int][][]float32

// get returns a zeroed gradient of the given shape, reusing a spare buffer
// of the same size when there is one.
func (p *gradPool) get(shape []int) *Tensor {
	t := p.getDirty(shape)
	clear(t.Data)
	return t
}

// getDirty is get without the zeroing, for a buffer that is about to be
// overwritten whole.
func (p *gradPool) getDirty(shape []int) *Tensor {
	n := checkShape(shape)
	if free := (*p)[n]; len(free) > 0 {
		data := free[len(free)-1]
		(*p)[n] = free[:len(free)-1]
		return &Tensor{Shape: append([]int(nil), shape...), Data: data}
	}
	if data := gradCache.take(n); data != nil {
		return &Tensor{Shape: append([]int(nil), shape...), Data: data}
	}
	return New(shape...)
}

// put returns g's buffer to the pool.
func (p *gradPool) put(g *Tensor) {
	if *p == nil {
		*p = gradPool{}
	}
	(*p)[len(g.Data)] = append((*p)[len(g.Data)], g.Data)
}

// release hands the pool's buffers to gradCache at the end of a pass.
func (p *gradPool) release() {
	var bufs [][]float32
	for _, free := range *p {
		bufs = append(bufs, free...)
	}
	gradCache.refill(bufs)
	*p = nil
}

// gradCache keeps the gradient buffers of finished backward passes for the
// next one, up to 384 MB (the intermediate gradients of a ResNet18
// training step at batch 16 are about 210 MB). A training step's gradients
// are the same sizes every step; allocating them afresh cost a page fault
// per 4 KB (about 36 000 a step at batch 16 on a virtual machine) and
// zeroing by the runtime, several percent of the step. Any goroutine's pass
// may use it.
var gradCache = &bufferCache{limit: 384 << 20, free: map[int][][]float32{}}

// bufferCache is a size-keyed store of float32 buffers of at most limit
// bytes.
type bufferCache struct {
	mu    sync.Mutex
	limit int
	free  map[int][][]float32
	bytes int
}

// take returns a cached buffer of exactly n floats (not zeroed), or nil.
func (c *bufferCache) take(n int) []float32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	free := c.free[n]
	if len(free) == 0 {
		return nil
	}
	data := free[len(free)-1]
	free[len(free)-1] = nil
	c.free[n] = free[:len(free)-1]
	c.bytes -= 4 * n
	return data
}

// refill keeps the buffers of a finished pass. When they do not all fit,
// buffers of sizes that pass did not use go first (the sizes of an earlier
// batch size or image size, say), then the pass's own that still do not
// fit are dropped.
func (c *bufferCache) refill(bufs [][]float32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	used := map[int]bool{}
	for _, b := range bufs {
		used[len(b)] = true
	}
	for _, b := range bufs {
		if 4*len(b) > c.limit {
			continue // would not fit even alone: evict nothing for it
		}
		for n, free := range c.free {
			if c.bytes+4*len(b) <= c.limit {
				break
			}
			if used[n] {
				continue
			}
			c.bytes -= 4 * n * len(free)
			delete(c.free, n)
		}
		if c.bytes+4*len(b) > c.limit {
			continue
		}
		c.free[len(b)] = append(c.free[len(b)], b)
		c.bytes += 4 * len(b)
	}
}

// ReleaseGradientBuffers drops the gradient buffers that backward passes
// keep for the next pass (at most 384 MB), for a program that is done
// training and wants the memory back.
func ReleaseGradientBuffers() {
	gradCache.mu.Lock()
	defer gradCache.mu.Unlock()
	clear(gradCache.free)
	gradCache.bytes = 0
}
