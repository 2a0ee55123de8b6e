package dataset

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math/rand/v2"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/seedling-ml/seedling/nn"
)

// Montage draws a grid with one row per class: the class name and label on
// the left, then perClass samples of that class picked at random (seeded),
// each resized (shorter side) and centre-cropped to tilePx x tilePx. A class
// with fewer samples leaves grey tiles. A sample that fails to decode is an
// error naming it.
func Montage(ds *Dataset, perClass, tilePx int, seed uint64) (image.Image, error) {
	if ds == nil || len(ds.Classes) == 0 {
		return nil, fmt.Errorf("dataset: Montage: no classes")
	}
	if perClass <= 0 || tilePx <= 0 {
		return nil, fmt.Errorf("dataset: Montage: perClass (%d) and tilePx (%d) must be positive", perClass, tilePx)
	}
	face := basicfont.Face7x13
	const gap = 4
	labelW := 0
	labels := make([]string, len(ds.Classes))
	for c, name := range ds.Classes {
		labels[c] = fmt.Sprintf("%d %s", c, name)
		labelW = max(labelW, font.MeasureString(face, labels[c]).Ceil())
	}
	labelW += 2 * gap
	rowH := max(tilePx, face.Height) + gap
	w := labelW + perClass*(tilePx+gap) + gap
	h := len(ds.Classes)*rowH + gap
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)

	rng := rand.New(rand.NewPCG(seed, 0x6d6f6e74))
	byClass, err := ds.byClass()
	if err != nil {
		return nil, err
	}
	tile := Compose{Image: []ImageTransform{Resize{Size: tilePx}, CenterCrop{Height: tilePx, Width: tilePx}}}
	grey := image.NewUniform(color.RGBA{200, 200, 200, 255})
	for c := range ds.Classes {
		y0 := gap + c*rowH
		d := &font.Drawer{Dst: out, Src: image.Black, Face: face,
			Dot: fixed.P(gap, y0+rowH/2+face.Ascent/2)}
		d.DrawString(labels[c])
		idx := byClass[c]
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for k := 0; k < perClass; k++ {
			r := image.Rect(labelW+k*(tilePx+gap), y0, labelW+k*(tilePx+gap)+tilePx, y0+tilePx)
			if k >= len(idx) {
				draw.Draw(out, r, grey, image.Point{}, draw.Src)
				continue
			}
			img, err := ds.Image(idx[k])
			if err != nil {
				return nil, err
			}
			for _, t := range tile.Image {
				if img, err = t.Apply(img, nil); err != nil {
					return nil, fmt.Errorf("dataset: Montage: %s: %w", ds.Samples[idx[k]].Path, err)
				}
			}
			draw.Draw(out, r, img, image.Point{}, draw.Src)
		}
	}
	return out, nil
}

// SavePNG writes img as a PNG file atomically (a temporary file renamed
// into place), so a reader never sees a partial picture.
func SavePNG(path string, img image.Image) error {
	if err := nn.WriteFileAtomic(path, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
		return fmt.Errorf("dataset: saving %s: %w", path, err)
	}
	return nil
}
