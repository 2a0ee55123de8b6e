package dataset

import (
	"fmt"
	"image"
	"math/rand/v2"

	"github.com/seedling-ml/seedling/nn"
)

// ImageTransform is an image-level step. Apply returns a new opaque image
// and never modifies img (which may be shared with the cache); random steps
// draw only from rng, so the same rng state gives the same result. rng may
// be nil for steps that are not random.
type ImageTransform interface {
	Apply(img *image.RGBA, rng *rand.Rand) (*image.RGBA, error)
}

// TensorTransform is a tensor-level step on a [3,H,W] tensor. It may change
// the tensor in place and returns the result.
type TensorTransform interface {
	ApplyTensor(t *nn.Tensor, rng *rand.Rand) (*nn.Tensor, error)
}

// Compose is a preprocessing pipeline: the Image steps in order, then
// ToTensor (HWC uint8 to CHW float32 in [0,1]), then the Tensor steps.
type Compose struct {
	Image  []ImageTransform
	Tensor []TensorTransform
}

// Apply runs the pipeline on one image and returns a [3,H,W] tensor.
func (c Compose) Apply(img *image.RGBA, rng *rand.Rand) (*nn.Tensor, error) {
	if img == nil {
		return nil, fmt.Errorf("dataset: Compose: nil image")
	}
	var err error
	for _, t := range c.Image {
		if img, err = t.Apply(img, rng); err != nil {
			return nil, err
		}
	}
	x := ToTensor(img)
	for _, t := range c.Tensor {
		if x, err = t.ApplyTensor(x, rng); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// ImageNet statistics used by torchvision's pretrained models.
var (
	ImageNetMean = [3]float32{0.485, 0.456, 0.406}
	ImageNetStd  = [3]float32{0.229, 0.224, 0.225}
)

// TrainTransform is the usual ImageNet training pipeline:
// RandomResizedCrop(size), RandomHorizontalFlip(0.5), ToTensor and
// Normalize with the ImageNet statistics.
func TrainTransform(size int) Compose {
	return Compose{
		Image:  []ImageTransform{RandomResizedCrop{Size: size}, RandomHorizontalFlip{P: 0.5}},
		Tensor: []TensorTransform{Normalize{Mean: ImageNetMean, Std: ImageNetStd}},
	}
}

// EvalTransform is torchvision's evaluation pipeline: Resize(resize) of the
// shorter side, CenterCrop(crop), ToTensor and ImageNet Normalize. With
// resize 0 the resize is left out; with crop 0 the crop is left out (so
// EvalTransform(0, 0) is only ToTensor and Normalize).
func EvalTransform(resize, crop int) Compose {
	return EvalTransformNormalized(resize, crop, ImageNetMean, ImageNetStd)
}

// EvalTransformNormalized is EvalTransform with the given normalisation
// (a checkpoint's own mean and std) instead of ImageNet's.
func EvalTransformNormalized(resize, crop int, mean, std [3]float32) Compose {
	var steps []ImageTransform
	if resize > 0 {
		steps = append(steps, Resize{Size: resize})
	}
	if crop > 0 {
		steps = append(steps, CenterCrop{Height: crop, Width: crop})
	}
	return Compose{Image: steps, Tensor: []TensorTransform{Normalize{Mean: mean, Std: std}}}
}
