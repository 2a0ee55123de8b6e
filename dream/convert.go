package dream

import (
	"fmt"
	"image"

	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/nn"
)

// ImageToTensor turns an image into a normalised [1,3,H,W] batch of one:
// 8-bit values v become (v/255 - mean[c]) / std[c].
func ImageToTensor(img image.Image, mean, std [3]float32) (*nn.Tensor, error) {
	if img == nil || img.Bounds().Empty() {
		return nil, fmt.Errorf("dream: empty image")
	}
	t := dataset.ToTensor(dataset.ToRGB(img))
	if err := dataset.NormalizeInPlace(t, mean, std); err != nil {
		return nil, fmt.Errorf("dream: %w", err)
	}
	return t.Reshape(1, 3, t.Shape[1], t.Shape[2]), nil
}

// TensorToImage undoes the normalisation of image n of an [N,3,H,W] batch
// (v*std[c] + mean[c]), clips to [0,1] and rounds to the nearest 8-bit
// value, so ImageToTensor followed by TensorToImage gives back the same
// pixels.
func TensorToImage(x *nn.Tensor, n int, mean, std [3]float32) (*image.RGBA, error) {
	if x == nil || x.Dim() != 4 || x.Shape[1] != 3 || n < 0 || n >= x.Shape[0] {
		var shape []int
		if x != nil {
			shape = x.Shape
		}
		return nil, fmt.Errorf("dream: TensorToImage: want image %d of an [N,3,H,W] batch, got shape %v", n, shape)
	}
	h, w := x.Shape[2], x.Shape[3]
	plane := h * w
	t := nn.New(3, h, w)
	for c := range 3 {
		src := x.Data[(n*3+c)*plane : (n*3+c+1)*plane]
		dst := t.Data[c*plane : (c+1)*plane]
		for i, v := range src {
			dst[i] = v*std[c] + mean[c]
		}
	}
	img, err := dataset.TensorToImage(t)
	if err != nil {
		return nil, fmt.Errorf("dream: %w", err)
	}
	return img, nil
}
