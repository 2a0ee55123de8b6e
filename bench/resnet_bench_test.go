package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// resnet18MACs is the multiply-add count of one ResNet18 forward at 224 px.
const resnet18MACs = 1.814e9

func benchModel(b *testing.B) *resnet.ResNet {
	b.Helper()
	m, err := resnet.New(resnet.ResNet18Arch, 1000, 1)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func randomBatch(n, size int) *nn.Tensor {
	rng := rand.New(rand.NewPCG(uint64(n), uint64(size)))
	x := nn.New(n, 3, size, size)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	return x
}

// BenchmarkResNet18Eval measures inference (no-grad, eval mode) at 224 px.
func BenchmarkResNet18Eval(b *testing.B) {
	for _, batch := range []int{1, 8} {
		b.Run(fmt.Sprintf("batch%d_224", batch), func(b *testing.B) {
			m := benchModel(b)
			m.Eval()
			x := randomBatch(batch, 224)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.Forward(x)
			}
			reportImages(b, batch, 2*resnet18MACs)
		})
	}
}

// BenchmarkResNet18TrainStep measures forward, cross-entropy and backward
// (all parameter gradients) in training mode at batch 16, 224 px.
func BenchmarkResNet18TrainStep(b *testing.B) { trainStep(b, 16) }

// BenchmarkResNet18TrainStepMemory is the training step at batch 32, 224
// px, reporting the process's peak resident memory ("maxRSS-MiB"; run it
// alone, -bench 'TrainStepMemory', so that no other benchmark's peak
// counts) next to its speed.
func BenchmarkResNet18TrainStepMemory(b *testing.B) {
	trainStep(b, 32)
	b.ReportMetric(MaxRSSMiB(), "maxRSS-MiB")
}

func trainStep(b *testing.B, batch int) {
	m := benchModel(b)
	m.Train()
	x := randomBatch(batch, 224)
	labels := make([]int, batch)
	for i := range labels {
		labels[i] = i * 37 % 1000
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		nn.ZeroGrad(m)
		loss := nn.CrossEntropy(m.Forward(nn.Track(x)), labels, nn.CrossEntropyConfig{})
		loss.Backward()
		// As resnet/train does after every step: the step's activations
		// go back to the heap before the next forward pass allocates its own.
		runtime.GC()
	}
	reportImages(b, batch, 6*resnet18MACs)
}

// BenchmarkResNet18InputGradient measures one DeepDream-style call: a
// forward to layer4 and a backward to the input, in eval mode, at 224 px.
func BenchmarkResNet18InputGradient(b *testing.B) {
	m := benchModel(b)
	m.Eval()
	x := randomBatch(1, 224)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Gradient(x, resnet.GradRequest{Tap: "layer4", Objective: resnet.MeanObjective()}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/call")
}

// reportImages adds images/s and GFLOP/s (flopsPerImage per image).
func reportImages(b *testing.B, batch int, flopsPerImage float64) {
	sec := b.Elapsed().Seconds()
	if sec == 0 {
		return
	}
	imgs := float64(batch*b.N) / sec
	b.ReportMetric(imgs, "images/s")
	b.ReportMetric(imgs*flopsPerImage/1e9, "GFLOP/s")
}
