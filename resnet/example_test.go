package resnet_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// randomImage returns a [n,3,size,size] batch of values in [-1, 1).
func randomImage(n, size int) *nn.Tensor {
	rng := rand.New(rand.NewPCG(7, 7))
	x := nn.New(n, 3, size, size)
	for i := range x.Data {
		x.Data[i] = 2*rng.Float32() - 1
	}
	return x
}

// A network's parameters carry torchvision's state_dict names, and the same
// names are its taps.
func ExampleNew() {
	m, err := resnet.New(resnet.ResNet50Arch, 12, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	params := m.Parameters()
	fmt.Println(len(params), "parameter tensors, first", params[0].Name, params[0].Tensor.Shape, "last", params[len(params)-1].Name, params[len(params)-1].Tensor.Shape)
	floats, ints := m.StateDict()
	fmt.Println(floats["layer2.0.downsample.1.running_var"].Shape, len(ints), "num_batches_tracked counters")
	fmt.Println(len(m.TapNames()), "taps, e.g.", m.TapNames()[4:9])
	// Output:
	// 161 parameter tensors, first conv1.weight [64 3 7 7] last fc.bias [12]
	// [512] 53 num_batches_tracked counters
	// 199 taps, e.g. [layer1.0.conv1 layer1.0.bn1 layer1.0.relu1 layer1.0.conv2 layer1.0.bn2]
}

// Run returns the logits and the outputs of the named taps; with stopEarly
// the pass ends at the deepest tap asked for.
func ExampleResNet_Run() {
	m, _ := resnet.New(resnet.ResNet18Arch, 12, 1)
	m.Eval()
	x := randomImage(2, 64)
	out, err := m.Run(x, []string{"layer2.0.shortcut", "layer2.0.add", "layer2"}, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Taps["layer2.0.shortcut"].Shape, out.Taps["layer2.0.add"].Shape, out.Taps["layer2"].Shape, out.Logits == nil)
	out, _ = m.Run(x, nil, false)
	fmt.Println(out.Logits.Shape)
	_, err = m.Run(x, []string{"layer2.1.conv3"}, true)
	fmt.Println(err != nil)
	// Output:
	// [2 128 8 8] [2 128 8 8] [2 128 8 8] true
	// [2 12]
	// true
}

// Gradient differentiates an objective on a tap with respect to the input:
// here the class logits, one target per image, with d logit / d layer4 for
// Grad-CAM alongside.
func ExampleResNet_Gradient() {
	m, _ := resnet.New(resnet.ResNet18Arch, 12, 1)
	m.Eval()
	x := randomImage(2, 64)
	g, err := m.Gradient(x, resnet.GradRequest{
		Tap:       "fc",
		Objective: resnet.ClassObjective([]int{3, 7}),
		GradTaps:  []string{"layer4"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("input gradient", g.Input.Shape, "all zero:", g.ZeroGrad)
	fmt.Println("layer4", g.Taps["layer4"].Shape, "its gradient", g.TapGrads["layer4"].Shape)
	fmt.Println("parameter gradients computed:", m.Conv1.Weight.Grad != nil)

	// The mean of one layer, as DeepDream uses it; the pass stops at layer2.
	g, err = m.Gradient(x, resnet.GradRequest{Tap: "layer2", Objective: resnet.MeanObjective()})
	fmt.Println(err, g.Input.Shape, g.ZeroGrad)
	// Output:
	// input gradient [2 3 64 64] all zero: false
	// layer4 [2 512 2 2] its gradient [2 512 2 2]
	// parameter gradients computed: false
	// <nil> [2 3 64 64] false
}

// Load opens our own checkpoint (architecture and class names come from
// its metadata) or torchvision weights; LoadStateDict reports what fitted.
func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "resnet-example")
	defer os.RemoveAll(dir)

	m, _ := resnet.New(resnet.ResNet34Arch, 3, 1)
	ckpt := filepath.Join(dir, "model.safetensors")
	meta := resnet.Meta{Arch: resnet.ResNet34Arch, Classes: []string{"Charlock", "Maize", "Sugar beet"}, InputSize: 224, Mean: resnet.ImageNetMean, Std: resnet.ImageNetStd}
	if err := resnet.SaveCheckpoint(ckpt, m, meta, nil); err != nil {
		fmt.Println(err)
		return
	}
	loaded, got, err := resnet.Load(resnet.Source{Model: ckpt})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.Arch, got.Classes, loaded.NumClasses())

	// A DataParallel state dict of a 1000-class model, loaded into a
	// 3-class one: the prefix goes, the head is kept fresh.
	floats, ints := m.StateDict()
	big, _ := resnet.New(resnet.ResNet34Arch, 1000, 2)
	bigF, _ := big.StateDict()
	sd := &nn.Safetensors{Floats: map[string]*nn.Tensor{}, Ints: map[string]*nn.IntTensor{}}
	for k, v := range floats {
		sd.Floats["module."+k] = v
	}
	for k, v := range ints {
		sd.Ints["module."+k] = v
	}
	sd.Floats["module.fc.weight"], sd.Floats["module.fc.bias"] = bigF["fc.weight"], bigF["fc.bias"]
	fresh, _ := resnet.New(resnet.ResNet34Arch, 3, 3)
	_, err = fresh.LoadStateDict(sd, nn.LoadOptions{})
	fmt.Println(err != nil)
	rep, err := fresh.LoadStateDict(sd, nn.LoadOptions{Exclude: []string{"fc."}})
	fmt.Println(err, len(rep.Loaded), "loaded,", rep.Excluded, "excluded")
	// Output:
	// resnet34 [Charlock Maize Sugar beet] 3
	// true
	// <nil> 216 loaded, [fc.bias fc.weight] excluded
}
