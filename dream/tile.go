package dream

import (
	"fmt"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// gradient returns d objective / d x for an [1,3,H,W] image and the
// objective. Images larger than TileSize along a side are cut into a grid
// of nearly equal tiles no larger than TileSize; each tile's gradient is
// computed on its own and weighted by the tile's share of the pixels, so
// the objective is the area-weighted mean of the tiles' objectives. The
// jitter moves the tile borders at every step, which hides the seams. A
// neuron objective (Config.Neuron) is never tiled: it is one place of the
// whole image's tap.
func (d *dreamer) gradient(x *nn.Tensor) (*nn.Tensor, float32, error) {
	h, w := x.Shape[2], x.Shape[3]
	size := d.cfg.TileSize
	if d.cfg.Neuron != nil {
		size = 0
	}
	ys, xs := tileEdges(h, size), tileEdges(w, size)
	req := resnet.GradRequest{Tap: d.cfg.Layer, Objective: d.obj}
	if len(ys) == 2 && len(xs) == 2 {
		r, err := d.m.Gradient(x, req)
		if err != nil {
			return nil, 0, err
		}
		if err := checkGrad(r, x.Shape); err != nil {
			return nil, 0, err
		}
		return r.Input, r.Value, nil
	}
	g := nn.New(x.Shape...)
	var value float64
	for i := 0; i+1 < len(ys); i++ {
		for j := 0; j+1 < len(xs); j++ {
			y0, y1, x0, x1 := ys[i], ys[i+1], xs[j], xs[j+1]
			tile := crop(x, y0, y1, x0, x1)
			r, err := d.m.Gradient(tile, req)
			if err != nil {
				return nil, 0, fmt.Errorf("tile rows %d-%d, columns %d-%d: %w", y0, y1, x0, x1, err)
			}
			if err := checkGrad(r, tile.Shape); err != nil {
				return nil, 0, fmt.Errorf("tile rows %d-%d, columns %d-%d: %w", y0, y1, x0, x1, err)
			}
			share := float32(y1-y0) * float32(x1-x0) / float32(h*w)
			value += float64(share * r.Value)
			paste(g, r.Input, y0, x0, share)
		}
	}
	return g, float32(value), nil
}

// checkGrad rejects a gradient of the wrong shape.
func checkGrad(r *resnet.GradResult, shape []int) error {
	if r == nil || r.Input == nil || !nn.SameShape(r.Input.Shape, shape) {
		return fmt.Errorf("model returned no input gradient of shape %v", shape)
	}
	return nil
}

// tileEdges splits n pixels into the fewest nearly equal pieces of at most
// size pixels and returns the edges (first 0, last n). size 0 means one
// piece.
func tileEdges(n, size int) []int {
	k := 1
	if size > 0 {
		k = (n + size - 1) / size
	}
	edges := make([]int, k+1)
	for i := range edges {
		edges[i] = i * n / k
	}
	return edges
}

// crop copies rows [y0,y1) and columns [x0,x1) of an NCHW tensor.
func crop(x *nn.Tensor, y0, y1, x0, x1 int) *nn.Tensor {
	h, w := x.Shape[2], x.Shape[3]
	th, tw := y1-y0, x1-x0
	out := nn.New(x.Shape[0], x.Shape[1], th, tw)
	for p := 0; p < x.Shape[0]*x.Shape[1]; p++ {
		for y := 0; y < th; y++ {
			copy(out.Data[(p*th+y)*tw:(p*th+y+1)*tw], x.Data[p*h*w+(y0+y)*w+x0:][:tw])
		}
	}
	return out
}

// paste adds scale * t into dst at row y0, column x0.
func paste(dst, t *nn.Tensor, y0, x0 int, scale float32) {
	h, w := dst.Shape[2], dst.Shape[3]
	th, tw := t.Shape[2], t.Shape[3]
	for p := 0; p < dst.Shape[0]*dst.Shape[1]; p++ {
		for y := 0; y < th; y++ {
			d := dst.Data[p*h*w+(y0+y)*w+x0:][:tw]
			for i, v := range t.Data[(p*th+y)*tw : (p*th+y+1)*tw] {
				d[i] += scale * v
			}
		}
	}
}
