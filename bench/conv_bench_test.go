package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/seedling-ml/seedling/nn"
)

// resnet18Convs are the distinct convolutions of ResNet18 on a 224x224
// image: input channels, output channels, kernel, stride and padding, and
// the input size.
var resnet18Convs = []struct {
	name                       string
	cin, cout, k, stride, size int
}{
	{"conv1", 3, 64, 7, 2, 224},
	{"layer1", 64, 64, 3, 1, 56},
	{"layer2.0.conv1", 64, 128, 3, 2, 56},
	{"layer2.0.downsample", 64, 128, 1, 2, 56},
	{"layer2", 128, 128, 3, 1, 28},
	{"layer3.0.conv1", 128, 256, 3, 2, 28},
	{"layer3.0.downsample", 128, 256, 1, 2, 28},
	{"layer3", 256, 256, 3, 1, 14},
	{"layer4.0.conv1", 256, 512, 3, 2, 14},
	{"layer4.0.downsample", 256, 512, 1, 2, 14},
	{"layer4", 512, 512, 3, 1, 7},
}

// BenchmarkConv runs every distinct ResNet18 convolution at batch 1 and 8:
// the forward pass, the backward pass to the input (data) and the backward
// pass to the weights, each timed alone. Names state the shape as
// NxCinxHxW_CoutxCinxKxK_sS; GFLOP/s counts 2 flops per multiply-add and
// %peak is the share of the measured FMA peak of the cores in use.
func BenchmarkConv(b *testing.B) {
	peak := CachedPeakGFLOPS(min(runtime.GOMAXPROCS(0), 2))
	for _, batch := range []int{1, 8} {
		for _, c := range resnet18Convs {
			pad := c.k / 2
			out := nn.ConvOutSize(c.size, c.k, c.stride, pad, 1)
			flops := 2 * float64(batch*c.cout*out*out) * float64(c.cin*c.k*c.k)
			shape := fmt.Sprintf("%s/%dx%dx%dx%d_%dx%dx%dx%d_s%d", c.name, batch, c.cin, c.size, c.size, c.cout, c.cin, c.k, c.k, c.stride)
			cfg := nn.Conv2dOptions(c.stride, pad, 1, 1)
			rng := rand.New(rand.NewPCG(uint64(batch), uint64(c.cin)))
			x := randTensor(rng, batch, c.cin, c.size, c.size)
			w := randTensor(rng, c.cout, c.cin, c.k, c.k)
			gy := randTensor(rng, batch, c.cout, out, out)
			report := func(b *testing.B) {
				gflops := flops * float64(b.N) / b.Elapsed().Seconds() / 1e9
				b.ReportMetric(gflops, "GFLOP/s")
				if peak > 0 {
					b.ReportMetric(100*gflops/peak, "%peak")
				}
			}
			// The forward pass writes into one output tensor, as an
			// inference loop that reuses its buffers does, so that
			// allocs/op shows what the conv itself allocates (nothing).
			b.Run("forward/"+shape, func(b *testing.B) {
				y := nn.Conv2d(x, w, nil, cfg)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					nn.Conv2dInto(y, x, w, nil, cfg)
				}
				report(b)
			})
			// The backward passes time BackwardWith alone: the forward that
			// records the graph runs with the timer stopped.
			backward := func(b *testing.B, xIn, wIn *nn.Tensor, clear func()) {
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					clear()
					y := nn.Conv2d(xIn, wIn, nil, cfg)
					b.StartTimer()
					y.BackwardWith(gy)
				}
				b.StopTimer()
				report(b)
			}
			b.Run("backward-data/"+shape, func(b *testing.B) {
				xg := nn.FromData(x.Data, x.Shape...).RequiresGrad()
				backward(b, xg, w, func() { xg.Grad = nil })
			})
			b.Run("backward-weights/"+shape, func(b *testing.B) {
				wg := nn.NewParameter(w.Data, w.Shape...)
				backward(b, nn.Track(x), wg, func() { wg.Grad = nil })
			})
		}
	}
}

func randTensor(rng *rand.Rand, shape ...int) *nn.Tensor {
	t := nn.New(shape...)
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}
