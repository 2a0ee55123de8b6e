package optim_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/optim"
)

// A small training loop: a linear classifier on four points, AdamW with
// a warm-up + cosine schedule and gradient clipping.
func Example() {
	model := nn.NewLinearLayer(2, 2, rand.New(rand.NewPCG(1, 2)))
	params := nn.Parameters(model)
	opt, err := optim.NewAdamW(optim.AdamGroup{Params: params, AdamConfig: optim.DefaultAdamW(0.1)})
	if err != nil {
		panic(err)
	}
	sched := optim.WarmupCosine{Warmup: 5, Total: 50, StartFactor: 0.1}
	x := nn.FromData([]float32{1, 1, 2, 1, -1, -1, -1, -2}, 4, 2)
	targets := []int{0, 0, 1, 1}
	var first, last float32
	for step := range 50 {
		if err := optim.Apply(opt, sched, step); err != nil {
			panic(err)
		}
		loss := nn.CrossEntropy(model.Forward(nn.Track(x)), targets, nn.CrossEntropyConfig{})
		loss.Backward()
		if _, err := optim.ClipGradNorm(params, 1); err != nil {
			panic(err)
		}
		if err := opt.Step(); err != nil {
			panic(err)
		}
		opt.ZeroGrad()
		if step == 0 {
			first = loss.Item()
		}
		last = loss.Item()
	}
	fmt.Println("loss went down:", last < first/10)
	// Output: loss went down: true
}

// Two groups keep the ratio of their learning rates under a schedule.
func ExampleApply() {
	body := []nn.Named{{Name: "conv1.weight", Tensor: nn.NewParameter(make([]float32, 4), 4)}}
	head := []nn.Named{{Name: "fc.weight", Tensor: nn.NewParameter(make([]float32, 2), 2)}}
	opt, err := optim.NewSGD(
		optim.SGDGroup{Name: "backbone", Params: body, SGDConfig: optim.SGDConfig{LR: 0.001, Momentum: 0.9}},
		optim.SGDGroup{Name: "head", Params: head, SGDConfig: optim.SGDConfig{LR: 0.01, Momentum: 0.9}})
	if err != nil {
		panic(err)
	}
	sched := optim.StepLR{StepSize: 2, Gamma: 0.5}
	for epoch := range 5 {
		if err := optim.Apply(opt, sched, epoch); err != nil {
			panic(err)
		}
		fmt.Printf("epoch %d: backbone %.5f head %.4f\n", epoch, opt.LR(0), opt.LR(1))
	}
	// Output:
	// epoch 0: backbone 0.00100 head 0.0100
	// epoch 1: backbone 0.00100 head 0.0100
	// epoch 2: backbone 0.00050 head 0.0050
	// epoch 3: backbone 0.00050 head 0.0050
	// epoch 4: backbone 0.00025 head 0.0025
}

// Clipping by global norm: gradients [3 4] and [12] have norm 13.
func ExampleClipGradNorm() {
	a := nn.Named{Name: "a", Tensor: nn.NewParameter([]float32{0, 0}, 2)}
	b := nn.Named{Name: "b", Tensor: nn.NewParameter([]float32{0}, 1)}
	a.Tensor.Grad = nn.FromData([]float32{3, 4}, 2)
	b.Tensor.Grad = nn.FromData([]float32{12}, 1)
	norm, err := optim.ClipGradNorm([]nn.Named{a, b}, 6.5)
	fmt.Println(norm, err)
	fmt.Printf("%.4f %.4f\n", a.Tensor.Grad.Data, b.Tensor.Grad.Data)
	// Output:
	// 13 <nil>
	// [1.5000 2.0000] [6.0000]
}

// Splitting a model's parameters into a new head and the backbone.
func ExampleSplitByPrefix() {
	params := []nn.Named{{Name: "conv1.weight"}, {Name: "layer1.0.bn1.bias"}, {Name: "fc.weight"}, {Name: "fc.bias"}}
	head, backbone := optim.SplitByPrefix(params, "fc.")
	for _, p := range head {
		fmt.Print(p.Name, " ")
	}
	fmt.Println("|", len(backbone), "backbone parameters")
	// Output: fc.weight fc.bias | 2 backbone parameters
}
