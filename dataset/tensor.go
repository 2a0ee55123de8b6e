package dataset

import (
	"fmt"
	"image"
	"math/rand/v2"

	"github.com/seedling-ml/seedling/nn"
)

// ToTensor turns an image into a [3,H,W] float32 tensor with values v/255
// in [0,1] (channel order R, G, B; alpha ignored), like torchvision's
// ToTensor. A nil image gives an empty [3,0,0] tensor.
func ToTensor(img *image.RGBA) *nn.Tensor {
	if img == nil {
		return nn.New(3, 0, 0)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	t := nn.New(3, h, w)
	plane := w * h
	r, g, bl := t.Data[:plane], t.Data[plane:2*plane], t.Data[2*plane:]
	for y := 0; y < h; y++ {
		s := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
		o := y * w
		for x := 0; x < w; x++ {
			r[o+x] = float32(s[4*x]) / 255
			g[o+x] = float32(s[4*x+1]) / 255
			bl[o+x] = float32(s[4*x+2]) / 255
		}
	}
	return t
}

// Normalize subtracts Mean and divides by Std per channel of a [3,H,W] (or
// [N,3,H,W]) tensor, in float32 as torchvision does: (x - mean) / std.
// A zero Std uses the ImageNet statistics for both fields.
type Normalize struct {
	Mean, Std [3]float32
}

// ApplyTensor implements TensorTransform; it changes t in place.
func (n Normalize) ApplyTensor(t *nn.Tensor, _ *rand.Rand) (*nn.Tensor, error) {
	mean, std := n.Mean, n.Std
	if std == [3]float32{} {
		mean, std = ImageNetMean, ImageNetStd
	}
	if err := NormalizeInPlace(t, mean, std); err != nil {
		return nil, err
	}
	return t, nil
}

// NormalizeInPlace applies (x - mean[c]) / std[c] to every value of channel
// c of a [3,H,W] or [N,3,H,W] tensor.
func NormalizeInPlace(t *nn.Tensor, mean, std [3]float32) error {
	if t == nil {
		return fmt.Errorf("dataset: Normalize: nil tensor")
	}
	var n, plane int
	switch {
	case len(t.Shape) == 3 && t.Shape[0] == 3:
		n, plane = 1, t.Shape[1]*t.Shape[2]
	case len(t.Shape) == 4 && t.Shape[1] == 3:
		n, plane = t.Shape[0], t.Shape[2]*t.Shape[3]
	default:
		return fmt.Errorf("dataset: Normalize needs a [3,H,W] or [N,3,H,W] tensor, got %v", t.Shape)
	}
	if len(t.Data) != n*3*plane {
		return fmt.Errorf("dataset: Normalize: tensor of shape %v holds %d values, want %d", t.Shape, len(t.Data), n*3*plane)
	}
	for c := range 3 {
		if std[c] == 0 {
			return fmt.Errorf("dataset: Normalize: std[%d] is 0", c)
		}
	}
	for i := range n {
		for c := range 3 {
			m, s := mean[c], std[c]
			d := t.Data[(i*3+c)*plane : (i*3+c+1)*plane]
			for k, v := range d {
				d[k] = (v - m) / s
			}
		}
	}
	return nil
}

// Stack joins tensors of one shape [C,H,W] into a [N,C,H,W] batch (a copy).
func Stack(ts []*nn.Tensor) (*nn.Tensor, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("dataset: Stack: no tensors")
	}
	shape := ts[0].Shape
	out := nn.New(append([]int{len(ts)}, shape...)...)
	size := len(ts[0].Data)
	for i, t := range ts {
		if !nn.SameShape(t.Shape, shape) {
			return nil, fmt.Errorf("dataset: Stack: tensor %d has shape %v, tensor 0 has %v", i, t.Shape, shape)
		}
		copy(out.Data[i*size:(i+1)*size], t.Data)
	}
	return out, nil
}

// TensorToImage turns a [3,H,W] tensor of values in [0,1] back into an
// image (clipped, rounded), to look at what a pipeline produced.
func TensorToImage(t *nn.Tensor) (*image.RGBA, error) {
	if len(t.Shape) != 3 || t.Shape[0] != 3 {
		return nil, fmt.Errorf("dataset: TensorToImage needs a [3,H,W] tensor, got %v", t.Shape)
	}
	h, w := t.Shape[1], t.Shape[2]
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	plane := h * w
	for i := 0; i < plane; i++ {
		for c := range 3 {
			v := t.Data[c*plane+i]*255 + 0.5
			img.Pix[4*i+c] = clip8(int(max(-1, min(v, 256))))
		}
		img.Pix[4*i+3] = 0xff
	}
	return img, nil
}
