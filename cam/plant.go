package cam

import (
	"fmt"
	"image"
	"sort"

	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/nn"
)

// DefaultExGThreshold is the excess-green threshold above which a pixel is
// taken as plant: ExG = 2g - r - b on chromaticity coordinates
// (r = R/(R+G+B), ...), so ExG is in [-1, 2]. Grey gravel and brown soil sit
// near or below 0; green leaves are well above 0.1 (Woebbecke et al. 1995;
// Meyer & Neto 2008).
const DefaultExGThreshold = 0.1

// MinPlantBrightness is the smallest R+G+B (of 765) of a plant pixel: in
// near-black pixels the chromaticity is noise, so they never count.
const MinPlantBrightness = 45

// ExcessGreen returns 2g - r - b of one pixel on chromaticity coordinates
// (0 for a black pixel).
func ExcessGreen(r, g, b uint8) float64 {
	s := float64(r) + float64(g) + float64(b)
	if s == 0 {
		return 0
	}
	return (2*float64(g) - float64(r) - float64(b)) / s
}

// PlantMask returns a [H,W] tensor holding 1 where img's pixel is plant
// (ExcessGreen > threshold and R+G+B >= MinPlantBrightness) and 0 elsewhere.
//
// Colours are read straight, as dataset decodes files: an *image.RGBA is
// taken as it is (the photos of this package's callers are opaque), any
// other image goes through dataset.ToRGB, which drops alpha instead of
// premultiplying it. A nil image gives an empty mask.
func PlantMask(img image.Image, threshold float64) *nn.Tensor {
	if img == nil {
		return nn.New(0, 0)
	}
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = dataset.ToRGB(img)
	}
	b := rgba.Bounds()
	w, h := b.Dx(), b.Dy()
	mask := nn.New(h, w)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := rgba.Pix[rgba.PixOffset(b.Min.X+x, b.Min.Y+y):]
			r, g, bl := p[0], p[1], p[2]
			if int(r)+int(g)+int(bl) >= MinPlantBrightness && ExcessGreen(r, g, bl) > threshold {
				mask.Data[y*w+x] = 1
			}
		}
	}
	return mask
}

// Focus says how much of one heat map falls on the plant.
type Focus struct {
	// Index is the image's position in the batch or list given.
	Index int
	// OnPlant is the fraction of the map's mass on plant pixels:
	// sum(map*mask)/sum(map), in [0,1]. Low means the map's mass lies off
	// the plant: on soil, gravel, the pot edge or a label.
	OnPlant float64
	// PlantCover is the fraction of the image's pixels that are plant: the
	// OnPlant a uniform map would get.
	PlantCover float64
	// Empty is true when the map is all zero (no mass to place); OnPlant
	// is then 0.
	Empty bool
}

// FocusOf measures map m [H,W] (values >= 0) against the plant mask of img
// (same size), with the given ExG threshold.
func FocusOf(img image.Image, m *nn.Tensor, threshold float64) (Focus, error) {
	if img == nil || m == nil || m.Dim() != 2 {
		return Focus{}, fmt.Errorf("cam: FocusOf: need an image and a [H,W] map, got map %v", shapeOf(m))
	}
	b := img.Bounds()
	if m.Shape[0] != b.Dy() || m.Shape[1] != b.Dx() {
		return Focus{}, fmt.Errorf("cam: FocusOf: map %v and image %dx%d differ in size", m.Shape, b.Dx(), b.Dy())
	}
	mask := PlantMask(img, threshold)
	var mass, on, cover float64
	for i, v := range m.Data {
		if v < 0 {
			return Focus{}, fmt.Errorf("cam: FocusOf: map has a negative value %v (normalise it first)", v)
		}
		mass += float64(v)
		on += float64(v) * float64(mask.Data[i])
		cover += float64(mask.Data[i])
	}
	f := Focus{PlantCover: cover / float64(max(len(m.Data), 1))}
	if mass == 0 {
		f.Empty = true
		return f, nil
	}
	f.OnPlant = on / mass
	return f, nil
}

// RankByFocus measures each map of maps [N,H,W] against imgs[i] and returns
// the samples sorted by OnPlant, smallest first: the ones where the network
// looks most off the plant come first. Empty maps rank first (nothing
// points at the plant); ties keep the input order.
func RankByFocus(imgs []image.Image, maps *nn.Tensor, threshold float64) ([]Focus, error) {
	n, _, err := planes("RankByFocus", maps)
	if err != nil {
		return nil, err
	}
	if len(imgs) != n {
		return nil, fmt.Errorf("cam: RankByFocus: %d images for %d maps", len(imgs), n)
	}
	out := make([]Focus, n)
	for i := range out {
		m, err := Plane(maps, i)
		if err != nil {
			return nil, err
		}
		if out[i], err = FocusOf(imgs[i], m, threshold); err != nil {
			return nil, fmt.Errorf("cam: image %d: %w", i, err)
		}
		out[i].Index = i
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].Empty != out[b].Empty {
			return out[a].Empty
		}
		return out[a].OnPlant < out[b].OnPlant
	})
	return out, nil
}
