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
	for _, free := range *p {
		for _, data := range free {
			gradCache.give(data)
		}
	}
	*p = nil
}

// gradCacheBytes bounds the memory gradCache keeps between passes: the
// intermediate gradients of a ResNet18 training step at batch 16 are about
// 210 MB.
const gradCacheBytes = 384 << 20

// gradCache keeps the gradient buffers of finished backward passes for the
// next one, up to gradCacheBytes. A training step's gradients are the same
// sizes every step; allocating them afresh cost a page fault per 4 KB
// (about 36 000 a step at batch 16 on a virtual machine) and zeroing by the
// runtime, several percent of the step. Any goroutine's pass may use it.
var gradCache = &bufferCache{free: map[int][][]float32{}}

// bufferCache is a size-keyed store of float32 buffers with a byte bound.
type bufferCache struct {
	mu    sync.Mutex
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

// give keeps data for a later take, unless that would pass the bound.
func (c *bufferCache) give(data []float32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes+4*len(data) > gradCacheBytes {
		return
	}
	c.free[len(data)] = append(c.free[len(data)], data)
	c.bytes += 4 * len(data)
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
