package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/optim"
)

// BenchmarkOptimizerStep measures one optimizer update of all 11.7 M
// parameters of ResNet18 (1000 classes), with random gradients: SGD with
// momentum and weight decay (the finetune default) and AdamW. It reports
// the parameters updated per second, in millions.
func BenchmarkOptimizerStep(b *testing.B) {
	steppers := []struct {
		name string
		make func([]nn.Named) (interface{ Step() error }, error)
	}{
		{"sgd-momentum", func(ps []nn.Named) (interface{ Step() error }, error) {
			return optim.NewSGD(optim.SGDGroup{Params: ps, SGDConfig: optim.SGDConfig{LR: 0.01, Momentum: 0.9, WeightDecay: 1e-4}})
		}},
		{"adamw", func(ps []nn.Named) (interface{ Step() error }, error) {
			return optim.NewAdamW(optim.AdamGroup{Params: ps, AdamConfig: optim.AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-2}})
		}},
	}
	for _, s := range steppers {
		b.Run(s.name, func(b *testing.B) {
			params := benchModel(b).Parameters()
			rng := rand.New(rand.NewPCG(1, 2))
			count := 0
			for _, p := range params {
				p.Tensor.Grad = nn.New(p.Tensor.Shape...)
				for i := range p.Tensor.Grad.Data {
					p.Tensor.Grad.Data[i] = float32(rng.NormFloat64()) * 1e-3
				}
				count += len(p.Tensor.Data)
			}
			opt, err := s.make(params)
			if err != nil {
				b.Fatal(err)
			}
			if err := opt.Step(); err != nil { // allocates the state
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := opt.Step(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(count)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mparams/s")
		})
	}
}
