package dataset

import (
	"fmt"

	"github.com/seedling-ml/seedling/nn"
)

// LoadImageTensor reads one image file with torchvision's evaluation
// preprocessing and returns a [1,3,size,size] batch of one: the shorter side
// resized to size*256/224 (256 for 224), a centre crop of size x size,
// ToTensor and ImageNet Normalize.
func LoadImageTensor(path string, size int) (*nn.Tensor, error) {
	if size <= 0 {
		return nil, fmt.Errorf("dataset: LoadImageTensor(%s): size %d must be positive", path, size)
	}
	return LoadImageTensorWith(path, EvalTransform(size*256/224, size), DecodeOptions{})
}

// LoadImageTensorNoResize reads one image file at its own size and returns a
// [1,3,H,W] batch of one with only ToTensor and ImageNet Normalize applied
// (the "-resize none" path).
func LoadImageTensorNoResize(path string) (*nn.Tensor, error) {
	return LoadImageTensorWith(path, EvalTransform(0, 0), DecodeOptions{})
}

// LoadImageTensorWith decodes path, applies pipeline (which must not be
// random: it gets no generator) and returns a [1,C,H,W] batch of one.
// Errors name the file.
func LoadImageTensorWith(path string, pipeline Pipeline, opts DecodeOptions) (*nn.Tensor, error) {
	img, err := DecodeFile(path, opts)
	if err != nil {
		return nil, err
	}
	t, err := pipeline.Apply(img, nil)
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: %w", path, err)
	}
	return t.Reshape(append([]int{1}, t.Shape...)...), nil
}
