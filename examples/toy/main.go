// Command toy trains a tiny convolutional network on a synthetic task
// (is the bright bar in a 12x12 image horizontal or vertical?) and prints
// the loss going down: a two-minute tour of package nn and optim.
//
//	go run ./examples/toy -steps 60
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/seedling-ml/seedling/examples/internal/cli"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/optim"
)

func main() {
	steps := flag.Int("steps", 60, "training steps")
	batch := flag.Int("batch", 16, "images per step")
	lr := flag.Float64("lr", 0.01, "Adam learning rate")
	seed := flag.Uint64("seed", 1, "random seed")
	cli.ParseCommandLine("toy")
	if _, err := run(os.Stdout, *steps, *batch, *lr, *seed); err != nil {
		fmt.Fprintln(os.Stderr, cli.ErrorLine("toy", err))
		os.Exit(1)
	}
}

// progress is what run reports at each printed step.
type progress struct {
	Step     int
	Loss     float32
	Accuracy float64 // on 64 fresh images, in [0, 1]
}

// run trains for steps steps, printing to w and returning the progress at
// step 1 and every 10th step.
func run(w io.Writer, steps, batch int, lr float64, seed uint64) ([]progress, error) {
	if steps < 1 || batch < 1 {
		return nil, fmt.Errorf("steps (%d) and batch (%d) must be at least 1", steps, batch)
	}
	var log []progress
	rng := rand.New(rand.NewPCG(seed, 7))
	net := nn.NewSequential(
		nn.NewConv2dLayer(1, 8, 3, nn.Conv2dOptions(1, 1, 1, 1), false, rng),
		nn.NewBatchNorm2dLayer(8),
		nn.ReLULayer{},
		&nn.MaxPool2dLayer{Config: nn.PoolConfig{Kernel: 2}},
		nn.NewConv2dLayer(8, 16, 3, nn.Conv2dOptions(1, 1, 1, 1), false, rng),
		nn.ReLULayer{},
		&nn.AdaptiveAvgPool2dLayer{OH: 1, OW: 1},
		nn.FlattenLayer{},
		nn.NewLinearLayer(16, 2, rng),
	)
	opt, err := optim.NewAdam(optim.AdamGroup{Params: nn.Parameters(net), AdamConfig: optim.DefaultAdam(lr)})
	if err != nil {
		return nil, err
	}
	for step := 1; step <= steps; step++ {
		x, labels := bars(rng, batch)
		nn.SetTraining(net, true)
		loss, err := nn.CrossEntropyChecked(net.Forward(nn.Track(x)), labels, nn.CrossEntropyConfig{})
		if err != nil {
			return nil, err
		}
		opt.ZeroGrad()
		loss.Backward()
		if err := opt.Step(); err != nil {
			return nil, err
		}
		if step%10 == 0 || step == 1 {
			nn.SetTraining(net, false)
			tx, tl := bars(rng, 64)
			p := progress{step, loss.Item(), accuracy(net.Forward(tx), tl)}
			log = append(log, p)
			fmt.Fprintf(w, "step %3d  loss %.4f  held-out accuracy %.0f%%\n", p.Step, p.Loss, 100*p.Accuracy)
		}
	}
	return log, nil
}

// bars makes n 12x12 images with one bright bar, horizontal (label 0) or
// vertical (label 1), at a random place, on noise.
func bars(rng *rand.Rand, n int) (*nn.Tensor, []int) {
	const s = 12
	x := nn.New(n, 1, s, s)
	labels := make([]int, n)
	for i := range labels {
		img := x.Data[i*s*s : (i+1)*s*s]
		for j := range img {
			img[j] = 0.3 * rng.Float32()
		}
		labels[i] = rng.IntN(2)
		pos, start := rng.IntN(s), rng.IntN(s/2)
		for k := start; k < start+s/2; k++ {
			if labels[i] == 0 {
				img[pos*s+k] = 1
			} else {
				img[k*s+pos] = 1
			}
		}
	}
	return x, labels
}

func accuracy(logits *nn.Tensor, labels []int) float64 {
	right := 0
	for i, l := range labels {
		row := logits.Data[2*i : 2*i+2]
		if (row[1] > row[0]) == (l == 1) {
			right++
		}
	}
	return float64(right) / float64(len(labels))
}
