package dataset

import (
	"image"
	"sync"
)

// imageCache keeps decoded images by path up to a byte budget. A nil cache
// stores nothing. Cached images are shared and must not be modified.
type imageCache struct {
	mu     sync.Mutex
	budget int64
	used   int64
	images map[string]*image.RGBA
}

func newImageCache(budget int64) *imageCache {
	if budget <= 0 {
		return nil
	}
	return &imageCache{budget: budget, images: make(map[string]*image.RGBA)}
}

func (c *imageCache) get(path string) *image.RGBA {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.images[path]
}

func (c *imageCache) put(path string, img *image.RGBA) {
	if c == nil {
		return
	}
	size := int64(len(img.Pix))
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.images[path]; ok || c.used+size > c.budget {
		return
	}
	c.images[path] = img
	c.used += size
}
