package dream_test

import (
	"fmt"
	"image"
	"image/color"

	"github.com/seedling-ml/seedling/dream"
	"github.com/seedling-ml/seedling/resnet"
)

// The octave pyramid of a 31x44 photo with the default settings, largest
// first: the detail dreamed at each size is resized to exactly the next.
func ExampleOctaveSizes() {
	cfg := dream.DefaultConfig()
	fmt.Println(dream.OctaveSizes(31, 44, cfg.Octaves, cfg.OctaveScale))
	// Output: [{31 44} {22 31} {16 22} {11 16}]
}

// DeepDream on layer2 of a (here untrained) ResNet18.
func ExampleDream() {
	m, err := resnet.New(resnet.ResNet18Arch, 12, 1)
	if err != nil {
		panic(err)
	}
	m.Eval()
	img := image.NewRGBA(image.Rect(0, 0, 48, 40))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(0, 0, color.White)
	cfg := dream.DefaultConfig()
	cfg.Layer, cfg.Octaves, cfg.Steps = "layer2", 2, 3
	res, err := dream.Dream(m, img, cfg)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Image.Bounds().Size(), len(res.Octaves), res.Steps, res.Warning() == "")
	// Output: (48,40) 2 6 true
}

// The centre neuron of channel 3 of layer2.1.bn2 (before the unit's last
// ReLU) of a (here untrained) ResNet18, maximised from noise.
func ExampleNeuron() {
	m, err := resnet.New(resnet.ResNet18Arch, 12, 1)
	if err != nil {
		panic(err)
	}
	m.Eval()
	cfg := dream.DefaultNeuronConfig()
	cfg.Layer, cfg.Channels, cfg.Octaves, cfg.Steps = "layer2.1.bn2", []int{3}, 2, 4
	res, err := dream.Neuron(m, 48, cfg)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Image.Bounds().Size(), res.Steps, res.Warning() == "", dream.Caption(cfg))
	// Output: (48,48) 8 true layer2.1.bn2 ch 3 (mean)
}
