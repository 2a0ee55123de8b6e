package optim

import (
	"math/rand/v2"

	"github.com/seedling-ml/seedling/nn"
)

// testParams returns a small "model": a backbone weight and bias, a head
// weight and bias, and a frozen tensor, with values from seed.
func testParams(seed uint64) []nn.Named {
	r := rand.New(rand.NewPCG(seed, 1))
	mk := func(shape ...int) *nn.Tensor {
		t := nn.New(shape...)
		for i := range t.Data {
			t.Data[i] = float32(r.NormFloat64())
		}
		t.SetRequiresGrad(true)
		return t
	}
	frozen := mk(3)
	frozen.SetRequiresGrad(false)
	return []nn.Named{
		{Name: "layer1.0.conv1.weight", Tensor: mk(4, 3, 3, 3)},
		{Name: "layer1.0.bn1.bias", Tensor: mk(4)},
		{Name: "bn1.frozen", Tensor: frozen},
		{Name: "fc.weight", Tensor: mk(5, 4)},
		{Name: "fc.bias", Tensor: mk(5)},
	}
}

// setGrads gives every parameter a pseudo-random gradient for step k,
// with magnitudes spanning 1e-6..1 so that Adam's eps matters, except
// fc.bias on odd steps, whose Grad is nil (no gradient this step).
func setGrads(params []nn.Named, k int) {
	r := rand.New(rand.NewPCG(uint64(k), 2))
	for _, p := range params {
		if p.Name == "fc.bias" && k%2 == 1 {
			p.Tensor.Grad = nil
			continue
		}
		g := nn.New(p.Tensor.Shape...)
		for i := range g.Data {
			scale := []float64{1e-6, 1e-3, 1}[r.IntN(3)]
			g.Data[i] = float32(r.NormFloat64() * scale)
		}
		p.Tensor.Grad = g
	}
}

// snapshot copies the parameters' values.
func snapshot(params []nn.Named) [][]float32 {
	out := make([][]float32, len(params))
	for i, p := range params {
		out[i] = append([]float32(nil), p.Tensor.Data...)
	}
	return out
}
