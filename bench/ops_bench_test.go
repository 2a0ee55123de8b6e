package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/seedling-ml/seedling/nn"
)

// opShapes are the activation shapes of ResNet18 at 224 px and batch 8
// that the element-wise ops see most.
var opShapes = [][]int{
	{8, 64, 112, 112},
	{8, 64, 56, 56},
	{8, 256, 14, 14},
}

// BenchmarkOps times the forward passes of the element-wise and pooling
// ops of ResNet18 (eval mode, no graph) on its activation shapes,
// reporting GB/s of activations read and written.
func BenchmarkOps(b *testing.B) {
	for _, s := range opShapes {
		rng := rand.New(rand.NewPCG(uint64(s[1]), uint64(s[2])))
		x := randTensor(rng, s...)
		x2 := randTensor(rng, s...)
		c := s[1]
		w, bias, mean := randTensor(rng, c), randTensor(rng, c), randTensor(rng, c)
		v := nn.New(c)
		for i := range v.Data {
			v.Data[i] = 1 + float32(rng.Float64())
		}
		name := fmt.Sprintf("%dx%dx%dx%d", s[0], s[1], s[2], s[3])
		bytes := float64(4 * len(x.Data))
		ops := []struct {
			op      string
			traffic float64 // bytes moved per call, in units of the input size
			fn      func()
		}{
			{"ReLU", 2, func() { nn.ReLU(x) }},
			{"Add", 3, func() { nn.Add(x, x2) }},
			{"BatchNorm2dEval", 2, func() { nn.BatchNorm2d(x, w, bias, mean, v, nn.BatchNormConfig{Eps: 1e-5}) }},
			{"MaxPool3x3s2", 1.25, func() { nn.MaxPool2d(x, nn.PoolConfig{Kernel: 3, Stride: 2, Pad: 1}) }},
		}
		for _, o := range ops {
			b.Run(o.op+"/"+name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					o.fn()
				}
				b.ReportMetric(o.traffic*bytes*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
	}
}

// BenchmarkMaxPoolBackward times the backward pass of ResNet18's stem
// pooling (3x3, stride 2, pad 1) alone, the forward that records the
// graph running with the timer stopped; GB/s counts the input read and
// its gradient written.
func BenchmarkMaxPoolBackward(b *testing.B) {
	for _, s := range opShapes[:2] {
		rng := rand.New(rand.NewPCG(uint64(s[1]), uint64(s[2])))
		x := nn.FromData(randTensor(rng, s...).Data, s...).RequiresGrad()
		cfg := nn.PoolConfig{Kernel: 3, Stride: 2, Pad: 1}
		b.Run(fmt.Sprintf("%dx%dx%dx%d", s[0], s[1], s[2], s[3]), func(b *testing.B) {
			y := nn.MaxPool2d(x, cfg)
			gy := randTensor(rng, y.Shape...)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				x.Grad = nil
				y = nn.MaxPool2d(x, cfg)
				b.StartTimer()
				y.BackwardWith(gy)
			}
			b.StopTimer()
			b.ReportMetric(2*float64(4*len(x.Data))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
