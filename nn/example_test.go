package nn_test

import (
	"fmt"

	"github.com/seedling-ml/seedling/nn"
)

// Gradients of a small graph with respect to its input, without touching
// the parameter's gradient.
func ExampleGrad() {
	w := nn.NewParameter([]float32{2, -1}, 1, 2) // Linear weight [out=1, in=2]
	x := nn.FromData([]float32{3, 4}, 1, 2).RequiresGrad()
	y := nn.Sum(nn.Linear(x, w, nil)) // y = 2*3 - 1*4 = 2
	g := nn.Grad(y, nil, x)[0]
	fmt.Println(y.Item(), g.Data, w.Grad == nil)
	// Output: 2 [2 -1] true
}

// A training step: the tracked input records the graph and Backward fills
// the parameters' gradients.
func ExampleTensor_Backward() {
	w := nn.NewParameter([]float32{0, 0, 0, 0}, 2, 2)
	x := nn.Track(nn.FromData([]float32{1, 2}, 1, 2))
	loss := nn.CrossEntropy(nn.Linear(x, w, nil), []int{1}, nn.CrossEntropyConfig{})
	loss.Backward()
	fmt.Printf("loss %.4f grad %v\n", loss.Item(), w.Grad.Data)
	// Output: loss 0.6931 grad [0.5 1 -0.5 -1]
}
