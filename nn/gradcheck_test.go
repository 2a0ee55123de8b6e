package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/internal/numcheck"
)

// Finite-difference gradient checks. For an op y = f(inputs) and a random
// upstream gradient gy, the objective L = sum(y * gy) is accumulated in
// float64 and differentiated by central differences, perturbing one float32
// input element at a time by ±h (the step actually taken after rounding to
// float32 is used as the denominator). The analytic gradient is taken both
// from BackwardWith (leaf .Grad) and from Grad, which must agree exactly,
// and is compared with the numeric one by relative L2 error.
//
// Kinks (ReLU at 0, max-pool ties) are kept out of reach of the step by
// using well-separated input values (gcSeparated).

const (
	gcStep = 1e-2 // default finite-difference step
	gcTol  = 1e-3 // default rel. L2 tolerance between analytic and numeric gradients (observed <= 1e-4)
)

// gcCase is one gradient check: f is applied to in (nil entries are passed
// through, e.g. a missing bias); every non-nil input is checked.
type gcCase struct {
	name string
	in   []*Tensor
	f    func(in []*Tensor) *Tensor
	step float32 // 0 means gcStep
	tol  float64 // 0 means gcTol
}

// gcResult holds, per input (nil inputs give NaN and nil tensors), the rel.
// L2 error and the two gradients.
type gcResult struct {
	errs     []float64
	analytic []*Tensor
	numeric  []*Tensor
}

// gcRun computes the analytic and numeric gradients of case c with a
// random upstream gradient drawn from rng.
func gcRun(t *testing.T, c gcCase, rng *rand.Rand) gcResult {
	t.Helper()
	h := c.step
	if h == 0 {
		h = gcStep
	}
	clones := func(track bool) []*Tensor {
		out := make([]*Tensor, len(c.in))
		for i, x := range c.in {
			if x != nil {
				out[i] = x.Clone()
				if track {
					out[i].RequiresGrad()
				}
			}
		}
		return out
	}

	// Analytic gradient, through Backward and through Grad.
	leaves := clones(true)
	y := c.f(leaves)
	require.NotEmpty(t, y.Op(), "output of a tracked computation must be recorded")
	gy := gcRandn(rng, y.Shape...)
	var wrt []*Tensor
	for _, l := range leaves {
		if l != nil {
			wrt = append(wrt, l)
		}
	}
	viaGrad := Grad(y, gy, wrt...)
	y.BackwardWith(gy)

	base := clones(false)
	objective := func() float64 {
		out := c.f(base)
		require.Equal(t, y.Shape, out.Shape)
		var s float64
		for i, v := range out.Data {
			s += float64(v) * float64(gy.Data[i])
		}
		return s
	}
	res := gcResult{
		errs:     make([]float64, len(c.in)),
		analytic: make([]*Tensor, len(c.in)),
		numeric:  make([]*Tensor, len(c.in)),
	}
	k := 0
	for i, x := range base {
		if x == nil {
			res.errs[i] = math.NaN()
			continue
		}
		an := leaves[i].Grad
		if an == nil {
			an = New(x.Shape...) // the backward pass did not reach this input
		}
		require.Equal(t, x.Shape, an.Shape, "input %d: gradient shape", i)
		require.Equal(t, an.Data, viaGrad[k].Data, "input %d: Grad and Backward disagree", i)
		k++
		num := New(x.Shape...)
		for j, orig := range x.Data {
			xp, xm := orig+h, orig-h
			x.Data[j] = xp
			fp := objective()
			x.Data[j] = xm
			fm := objective()
			x.Data[j] = orig
			num.Data[j] = float32((fp - fm) / (float64(xp) - float64(xm)))
		}
		res.analytic[i], res.numeric[i] = an, num
		res.errs[i] = numcheck.RelL2(an.Data, num.Data)
	}
	return res
}

// gcRequire runs the cases and asserts that every input's analytic
// gradient matches the numeric one, and that the numeric one is not zero
// (so that the comparison means something).
func gcRequire(t *testing.T, cases []gcCase) {
	t.Helper()
	for ci, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tol := c.tol
			if tol == 0 {
				tol = gcTol
			}
			res := gcRun(t, c, rand.New(rand.NewPCG(uint64(ci)+1, 0x9e3779b9)))
			worst := 0.0
			for i, e := range res.errs {
				if c.in[i] == nil {
					continue
				}
				require.Greater(t, numcheck.RelL2(res.numeric[i].Data, make([]float32, len(res.numeric[i].Data))), 1e-6,
					"input %d: numeric gradient is zero, the check would be vacuous", i)
				assert.LessOrEqual(t, e, tol, "input %d %v: rel. L2 error of the gradient\nanalytic %v\nnumeric  %v",
					i, c.in[i].Shape, res.analytic[i], res.numeric[i])
				worst = max(worst, e)
			}
			t.Logf("largest rel. L2 gradient error %.2e", worst)
		})
	}
}

// gcRandn returns a tensor of standard normal values.
func gcRandn(rng *rand.Rand, shape ...int) *Tensor {
	t := New(shape...)
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}

// gcUniform returns a tensor of values uniform in [lo, hi).
func gcUniform(rng *rand.Rand, lo, hi float64, shape ...int) *Tensor {
	t := New(shape...)
	for i := range t.Data {
		t.Data[i] = float32(lo + (hi-lo)*rng.Float64())
	}
	return t
}

// gcSeparated returns the distinct values ±(k + 1/2) * gap, k = 0, 1, ...,
// in random order: any two differ by at least gap and none is closer than
// gap/2 to zero, so a finite-difference step below gap/2 never crosses a
// ReLU kink or changes a max-pool winner.
func gcSeparated(rng *rand.Rand, gap float32, shape ...int) *Tensor {
	t := New(shape...)
	for i, p := range rng.Perm(len(t.Data)) {
		v := (float32(p/2) + 0.5) * gap
		if p%2 == 1 {
			v = -v
		}
		t.Data[i] = v
	}
	return t
}

func TestGradCheckDetectsWrongGradients(t *testing.T) {
	// Ops with deliberately wrong backward passes: the checker must flag
	// each, and must pass the correct variant of the same op.
	double := func(scale float32, permute bool) func(in []*Tensor) *Tensor {
		return func(in []*Tensor) *Tensor {
			x := in[0]
			y := New(x.Shape...)
			for i, v := range x.Data {
				y.Data[i] = 2 * v * v
			}
			record(y, "Wrong", []*Tensor{x}, func(gy *Tensor, gx []*Tensor) {
				n := len(gy.Data)
				for i, g := range gy.Data {
					j := i
					if permute {
						j = n - 1 - i
					}
					gx[0].Data[j] += scale * 4 * x.Data[i] * g
				}
			})
			return y
		}
	}
	mulForgetsB := func(in []*Tensor) *Tensor {
		a, b := in[0], in[1]
		y := New(a.Shape...)
		for i := range y.Data {
			y.Data[i] = a.Data[i] * b.Data[i]
		}
		record(y, "Wrong", []*Tensor{a, b}, func(gy *Tensor, gx []*Tensor) {
			for i, g := range gy.Data {
				gx[0].Data[i] += g * b.Data[i] // gx[1] never written
			}
		})
		return y
	}
	rng := rand.New(rand.NewPCG(7, 7))
	x := gcRandn(rng, 2, 3)
	a, b := gcRandn(rng, 4), gcRandn(rng, 4)
	tests := []struct {
		name  string
		c     gcCase
		wrong []bool // per input: must the check fail?
	}{
		{"correct", gcCase{in: []*Tensor{x}, f: double(1, false)}, []bool{false}},
		{"scaled by 1.1", gcCase{in: []*Tensor{x}, f: double(1.1, false)}, []bool{true}},
		{"wrong element", gcCase{in: []*Tensor{x}, f: double(1, true)}, []bool{true}},
		{"sign flipped", gcCase{in: []*Tensor{x}, f: double(-1, false)}, []bool{true}},
		{"second input missing", gcCase{in: []*Tensor{a, b}, f: mulForgetsB}, []bool{false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := gcRun(t, tt.c, rand.New(rand.NewPCG(1, 2)))
			for i, wrong := range tt.wrong {
				if wrong {
					assert.Greater(t, res.errs[i], 5*gcTol, "input %d: wrong gradient not detected", i)
				} else {
					assert.Less(t, res.errs[i], gcTol/10, "input %d: correct gradient rejected", i)
				}
			}
		})
	}
}

func TestGradCheckConv2d(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1))
	type convCase struct {
		name         string
		n, cin, h, w int
		cout, kh, kw int
		cfg          ConvConfig
		bias         bool
	}
	table := []convCase{
		{"3x3 pad1 batch3 odd", 3, 2, 7, 5, 3, 3, 3, Conv2dOptions(1, 1, 1, 1), true},
		{"batch1 no bias", 1, 3, 5, 5, 2, 3, 3, Conv2dOptions(1, 0, 1, 1), false},
		{"1x1 stride1 fast path", 3, 4, 3, 5, 3, 1, 1, ConvConfig{}, true},
		{"1x1 stride2 > kernel", 2, 3, 7, 6, 4, 1, 1, Conv2dOptions(2, 0, 1, 1), true},
		{"2x2 stride3 > kernel pad1", 2, 2, 8, 7, 3, 2, 2, Conv2dOptions(3, 1, 1, 1), true},
		{"7x7 stride2 pad3 (stem)", 1, 3, 9, 11, 2, 7, 7, Conv2dOptions(2, 3, 1, 1), false},
		{"dilation2 pad2", 2, 2, 7, 9, 2, 3, 3, Conv2dOptions(1, 2, 2, 1), true},
		{"groups2", 3, 4, 5, 5, 6, 3, 3, Conv2dOptions(1, 1, 1, 2), true},
		{"depthwise", 2, 3, 6, 5, 3, 3, 3, Conv2dOptions(2, 1, 1, 3), true},
		{"1x1 grouped fast path", 2, 4, 3, 3, 2, 1, 1, Conv2dOptions(1, 0, 1, 2), true},
		{"rectangular config", 2, 2, 7, 8, 3, 3, 2, ConvConfig{StrideH: 2, StrideW: 1, PadH: 1, PadW: 2, DilationH: 1, DilationW: 3}, true},
		{"kernel covers input", 3, 2, 3, 3, 2, 3, 3, ConvConfig{}, true},
	}
	// Random configurations from a fixed seed.
	for len(table) < 20 {
		g := 1 + rng.IntN(3)
		c := convCase{n: 1 + rng.IntN(3), cin: g * (1 + rng.IntN(2)), cout: g * (1 + rng.IntN(2)),
			kh: 1 + rng.IntN(3), kw: 1 + rng.IntN(3), h: 1 + rng.IntN(8), w: 1 + rng.IntN(8), bias: rng.IntN(2) == 0,
			cfg: ConvConfig{StrideH: 1 + rng.IntN(3), StrideW: 1 + rng.IntN(3), PadH: rng.IntN(3), PadW: rng.IntN(3),
				DilationH: 1 + rng.IntN(2), DilationW: 1 + rng.IntN(2), Groups: g}}
		if ConvOutSize(c.h, c.kh, c.cfg.StrideH, c.cfg.PadH, c.cfg.DilationH) < 1 ||
			ConvOutSize(c.w, c.kw, c.cfg.StrideW, c.cfg.PadW, c.cfg.DilationW) < 1 {
			continue
		}
		c.name = fmt.Sprintf("random x[%d,%d,%d,%d] w[%d,%d,%d,%d] %+v", c.n, c.cin, c.h, c.w, c.cout, c.cin/g, c.kh, c.kw, c.cfg)
		table = append(table, c)
	}
	var cases []gcCase
	for _, c := range table {
		var b *Tensor
		if c.bias {
			b = gcRandn(rng, c.cout)
		}
		cfg := c.cfg
		cases = append(cases, gcCase{
			name: c.name,
			in:   []*Tensor{gcRandn(rng, c.n, c.cin, c.h, c.w), gcRandn(rng, c.cout, c.cin/max(cfg.Groups, 1), c.kh, c.kw), b},
			f:    func(in []*Tensor) *Tensor { return Conv2d(in[0], in[1], in[2], cfg) },
		})
	}
	gcRequire(t, cases)
}

func TestGradCheckBatchNorm2d(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 1))
	bn := func(training, affine bool, n, c, h, w int) gcCase {
		in := []*Tensor{gcRandn(rng, n, c, h, w), nil, nil}
		if affine {
			in[1], in[2] = gcUniform(rng, 0.5, 1.5, c), gcRandn(rng, c)
		}
		// Shift and scale the input away from zero mean / unit variance.
		for i := range in[0].Data {
			in[0].Data[i] = 3 + 2*in[0].Data[i]
		}
		rm, rv := gcRandn(rng, c), gcUniform(rng, 0.5, 2, c)
		cfg := BatchNormConfig{Training: training, Momentum: 0.1, Eps: 1e-5}
		return gcCase{
			name: fmt.Sprintf("train=%v affine=%v x[%d,%d,%d,%d]", training, affine, n, c, h, w),
			in:   in,
			f: func(in []*Tensor) *Tensor {
				// Fresh running statistics on every call: training updates them.
				return BatchNorm2d(in[0], in[1], in[2], rm.Clone(), rv.Clone(), cfg)
			},
		}
	}
	gcRequire(t, []gcCase{
		bn(true, true, 3, 2, 3, 5),
		bn(true, true, 1, 3, 3, 3),
		bn(true, true, 4, 2, 1, 1),
		bn(true, false, 3, 2, 2, 3),
		bn(false, true, 3, 2, 3, 5),
		bn(false, true, 1, 3, 1, 1),
		bn(false, false, 2, 3, 2, 2),
		{
			name: "train without running statistics",
			in:   []*Tensor{gcRandn(rng, 2, 3, 2, 3), gcUniform(rng, 0.5, 1.5, 3), gcRandn(rng, 3)},
			f: func(in []*Tensor) *Tensor {
				return BatchNorm2d(in[0], in[1], in[2], nil, nil, BatchNormConfig{Training: true, Momentum: 0.1, Eps: 1e-5})
			},
		},
	})
}

func TestGradCheckPooling(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 1))
	pool := func(cfg PoolConfig, n, c, h, w int) gcCase {
		return gcCase{
			name: fmt.Sprintf("maxpool %+v x[%d,%d,%d,%d]", cfg, n, c, h, w),
			in:   []*Tensor{gcSeparated(rng, 0.1, n, c, h, w)},
			f:    func(in []*Tensor) *Tensor { return MaxPool2d(in[0], cfg) },
		}
	}
	adaptive := func(n, c, h, w, oh, ow int) gcCase {
		return gcCase{
			name: fmt.Sprintf("adaptive x[%d,%d,%d,%d] to %dx%d", n, c, h, w, oh, ow),
			in:   []*Tensor{gcRandn(rng, n, c, h, w)},
			f:    func(in []*Tensor) *Tensor { return AdaptiveAvgPool2d(in[0], oh, ow) },
		}
	}
	gcRequire(t, []gcCase{
		pool(PoolConfig{Kernel: 3, Stride: 2, Pad: 1}, 3, 2, 7, 6),
		pool(PoolConfig{Kernel: 3, Stride: 2, Pad: 1}, 1, 1, 5, 5),
		pool(PoolConfig{Kernel: 2}, 2, 3, 5, 7),
		pool(PoolConfig{Kernel: 2, Stride: 2, CeilMode: true}, 2, 2, 5, 7),
		pool(PoolConfig{Kernel: 1, Stride: 2, CeilMode: true}, 1, 2, 6, 7),
		pool(PoolConfig{Kernel: 2, Stride: 3, Pad: 1, CeilMode: true}, 3, 1, 8, 7),
		pool(PoolConfig{Kernel: 3, Stride: 3, Pad: 1, CeilMode: true}, 2, 2, 5, 5),
		pool(PoolConfig{Kernel: 2, Stride: 1, Pad: 1, CeilMode: true}, 1, 2, 4, 3),
		adaptive(3, 2, 7, 5, 3, 2),
		adaptive(1, 3, 5, 5, 1, 1),
		adaptive(2, 2, 2, 3, 4, 5),
		adaptive(1, 1, 6, 4, 4, 3),
	})
}

func TestGradCheckElementwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 1))
	gcRequire(t, []gcCase{
		{name: "ReLU batch3", in: []*Tensor{gcSeparated(rng, 0.1, 3, 2, 3, 5)}, f: func(in []*Tensor) *Tensor { return ReLU(in[0]) }},
		{name: "ReLU batch1", in: []*Tensor{gcSeparated(rng, 0.1, 1, 7)}, f: func(in []*Tensor) *Tensor { return ReLU(in[0]) }},
		{name: "Add", in: []*Tensor{gcRandn(rng, 3, 2, 3, 5), gcRandn(rng, 3, 2, 3, 5)}, f: func(in []*Tensor) *Tensor { return Add(in[0], in[1]) }},
		{name: "Mul", in: []*Tensor{gcRandn(rng, 3, 7), gcRandn(rng, 3, 7)}, f: func(in []*Tensor) *Tensor { return Mul(in[0], in[1]) }},
		{name: "Mul x*x", in: []*Tensor{gcRandn(rng, 5)}, f: func(in []*Tensor) *Tensor { return Mul(in[0], in[0]) }},
		{name: "Scale", in: []*Tensor{gcRandn(rng, 2, 3)}, f: func(in []*Tensor) *Tensor { return Scale(in[0], -1.7) }},
		{name: "Dropout train p=0.3", in: []*Tensor{gcRandn(rng, 3, 4, 5)}, f: func(in []*Tensor) *Tensor {
			// The same seed on every call gives the same mask.
			return Dropout(in[0], 0.3, true, rand.New(rand.NewPCG(5, 5)))
		}},
		{name: "ResizeBilinear up", in: []*Tensor{gcRandn(rng, 2, 2, 3, 4)}, f: func(in []*Tensor) *Tensor { return ResizeBilinear(in[0], 7, 9) }},
		{name: "ResizeBilinear down", in: []*Tensor{gcRandn(rng, 1, 2, 7, 9)}, f: func(in []*Tensor) *Tensor { return ResizeBilinear(in[0], 3, 4) }},
		{name: "ResizeBilinear mixed", in: []*Tensor{gcRandn(rng, 3, 1, 5, 3)}, f: func(in []*Tensor) *Tensor { return ResizeBilinear(in[0], 2, 8) }},
		{name: "ResizeBilinear to 1x1", in: []*Tensor{gcRandn(rng, 1, 2, 4, 5)}, f: func(in []*Tensor) *Tensor { return ResizeBilinear(in[0], 1, 1) }},
		{name: "ResizeBilinear same size", in: []*Tensor{gcRandn(rng, 1, 1, 3, 3)}, f: func(in []*Tensor) *Tensor { return ResizeBilinear(in[0], 3, 3) }},
	})
}

func TestGradCheckShapesAndReductions(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 1))
	gcRequire(t, []gcCase{
		{name: "Sum", in: []*Tensor{gcRandn(rng, 3, 5)}, f: func(in []*Tensor) *Tensor { return Sum(in[0]) }},
		{name: "Mean", in: []*Tensor{gcRandn(rng, 2, 3, 7)}, f: func(in []*Tensor) *Tensor { return Mean(in[0]) }},
		{name: "Channel", in: []*Tensor{gcRandn(rng, 3, 4, 2, 3)}, f: func(in []*Tensor) *Tensor { return Channel(in[0], 2) }},
		{name: "Channels repeated", in: []*Tensor{gcRandn(rng, 2, 3, 3, 2)}, f: func(in []*Tensor) *Tensor { return Channels(in[0], []int{2, 0, 2}) }},
		{name: "Gather", in: []*Tensor{gcRandn(rng, 4, 5)}, f: func(in []*Tensor) *Tensor { return Gather(in[0], []int{4, 0, 2, 0}) }},
		{name: "Flatten", in: []*Tensor{gcRandn(rng, 3, 2, 2, 3)}, f: func(in []*Tensor) *Tensor { return Flatten(in[0]) }},
		{name: "Reshape -1", in: []*Tensor{gcRandn(rng, 2, 3, 5)}, f: func(in []*Tensor) *Tensor { return in[0].Reshape(-1, 3) }},
		{name: "Linear batch3", in: []*Tensor{gcRandn(rng, 3, 5), gcRandn(rng, 4, 5), gcRandn(rng, 4)}, f: func(in []*Tensor) *Tensor { return Linear(in[0], in[1], in[2]) }},
		{name: "Linear batch1 no bias", in: []*Tensor{gcRandn(rng, 1, 7), gcRandn(rng, 3, 7), nil}, f: func(in []*Tensor) *Tensor { return Linear(in[0], in[1], in[2]) }},
	})
}

func TestGradCheckSoftmaxAndCrossEntropy(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 1))
	ignore := func(i int) *int { return &i }
	ce := func(name string, n, c int, targets []int, cfg CrossEntropyConfig) gcCase {
		return gcCase{
			name: name,
			in:   []*Tensor{Scale(gcRandn(rng, n, c), 2)},
			f:    func(in []*Tensor) *Tensor { return CrossEntropy(in[0], targets, cfg) },
		}
	}
	gcRequire(t, []gcCase{
		{name: "LogSoftmax batch3", in: []*Tensor{gcRandn(rng, 3, 5)}, f: func(in []*Tensor) *Tensor { return LogSoftmax(in[0]) }},
		{name: "LogSoftmax batch1", in: []*Tensor{gcRandn(rng, 1, 7)}, f: func(in []*Tensor) *Tensor { return LogSoftmax(in[0]) }},
		{name: "Softmax batch3", in: []*Tensor{gcRandn(rng, 3, 4)}, f: func(in []*Tensor) *Tensor { return Softmax(in[0]) }},
		{name: "Softmax batch1", in: []*Tensor{gcRandn(rng, 1, 3)}, f: func(in []*Tensor) *Tensor { return Softmax(in[0]) }},
		ce("CE mean", 3, 5, []int{4, 0, 2}, CrossEntropyConfig{}),
		ce("CE mean batch1", 1, 3, []int{1}, CrossEntropyConfig{}),
		ce("CE sum", 3, 4, []int{1, 3, 3}, CrossEntropyConfig{Reduction: ReduceSum}),
		ce("CE none", 4, 3, []int{0, 2, 1, 0}, CrossEntropyConfig{Reduction: ReduceNone}),
		ce("CE mean smoothing 0.1", 3, 5, []int{4, 0, 2}, CrossEntropyConfig{LabelSmoothing: 0.1}),
		ce("CE sum smoothing 0.3", 2, 4, []int{3, 1}, CrossEntropyConfig{Reduction: ReduceSum, LabelSmoothing: 0.3}),
		ce("CE none smoothing 1", 2, 3, []int{2, 0}, CrossEntropyConfig{Reduction: ReduceNone, LabelSmoothing: 1}),
		ce("CE mean ignore -100", 4, 3, []int{0, -100, 2, -100}, CrossEntropyConfig{IgnoreIndex: ignore(-100)}),
		ce("CE mean ignore class 1", 4, 3, []int{1, 0, 2, 1}, CrossEntropyConfig{IgnoreIndex: ignore(1)}),
		ce("CE sum ignore", 3, 3, []int{2, -1, 0}, CrossEntropyConfig{Reduction: ReduceSum, IgnoreIndex: ignore(-1)}),
		ce("CE none ignore", 3, 4, []int{3, 7, 1}, CrossEntropyConfig{Reduction: ReduceNone, IgnoreIndex: ignore(7)}),
		ce("CE mean ignore smoothing", 4, 5, []int{0, 9, 4, 2}, CrossEntropyConfig{LabelSmoothing: 0.2, IgnoreIndex: ignore(9)}),
		{name: "CrossEntropyChecked", in: []*Tensor{gcRandn(rng, 3, 4)}, f: func(in []*Tensor) *Tensor {
			y, err := CrossEntropyChecked(in[0], []int{3, 0, 1}, CrossEntropyConfig{LabelSmoothing: 0.1})
			require.NoError(t, err)
			return y
		}},
	})
}

func TestGradCheckComposite(t *testing.T) {
	// A small network without kinks (no ReLU or max-pool), every input and
	// parameter checked at once, with the input used twice.
	rng := rand.New(rand.NewPCG(17, 1))
	gcRequire(t, []gcCase{{
		name: "conv-bn-resize-pool-linear-ce",
		in: []*Tensor{gcRandn(rng, 3, 2, 5, 5), gcRandn(rng, 4, 2, 3, 3), gcUniform(rng, 0.5, 1.5, 4), gcRandn(rng, 4),
			gcRandn(rng, 4, 2, 1, 1), gcRandn(rng, 3, 4), gcRandn(rng, 3)},
		f: func(in []*Tensor) *Tensor {
			x := in[0]
			h := Conv2d(x, in[1], nil, Conv2dOptions(2, 1, 1, 1))
			h = BatchNorm2d(h, in[2], in[3], nil, nil, BatchNormConfig{Training: true, Momentum: 0.1, Eps: 1e-5})
			sc := Conv2d(x, in[4], nil, Conv2dOptions(2, 0, 1, 1))
			h = Add(Mul(h, sc), ResizeBilinear(Channels(x, []int{0, 1, 1, 0}), 3, 3))
			h = Flatten(AdaptiveAvgPool2d(h, 1, 1))
			return CrossEntropy(Linear(h, in[5], in[6]), []int{2, 0, 1}, CrossEntropyConfig{LabelSmoothing: 0.1})
		},
	}})
}
