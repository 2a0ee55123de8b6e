package cam_test

import (
	"fmt"

	"github.com/seedling-ml/seedling/cam"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// Grad-CAM of a batch of two images, each for its own class.
func ExampleCompute() {
	m, _ := resnet.New(resnet.ResNet18Arch, 4, 1)
	m.Eval()
	x := nn.New(2, 3, 64, 64)
	for i := range x.Data {
		x.Data[i] = float32(i%97) / 97
	}
	res, err := cam.Compute(m, x, cam.Options{Method: cam.GradCAM, Layer: "layer3", Targets: []int{0, 2}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("maps", res.Maps.Shape, "raw", res.Raw.Shape, "weights", res.Weights.Shape, "targets", res.Targets)
	// Output: maps [2 64 64] raw [2 4 4] weights [2 256] targets [0 2]
}

// The C14 ramp: activations and gradients in, normalised map and 8-bit
// gray pixels out.
func ExampleFromGradients() {
	acts := nn.FromData([]float32{0, 1, 2, 4}, 1, 1, 2, 2)
	grads := nn.FromData([]float32{1, 1, 1, 1}, 1, 1, 2, 2)
	res, _ := cam.FromGradients(cam.GradCAM, acts, grads, 2, 2)
	m, _ := cam.Plane(res.Maps, 0)
	g, _ := cam.Gray(m)
	fmt.Println(res.Maps.Data, g.Pix)
	// Output: [0 0.25 0.5 1] [0 64 128 255]
}
