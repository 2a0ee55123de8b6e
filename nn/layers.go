package nn

import (
	"math"
	"math/rand/v2"
)

// leaf is embedded by layers without sub-modules.
type leaf struct{}

// Children returns nothing: the layer has no sub-modules.
func (leaf) Children() []NamedModule { return nil }

// OwnBuffers returns nothing by default.
func (leaf) OwnBuffers() []Named { return nil }

// OwnParameters returns nothing by default.
func (leaf) OwnParameters() []Named { return nil }

// SetOwnTraining does nothing by default.
func (leaf) SetOwnTraining(bool) {}

// Conv2dLayer is a convolution module (torch.nn.Conv2d) with parameters
// "weight" [Cout, Cin/groups, kH, kW] and optionally "bias" [Cout].
type Conv2dLayer struct {
	leaf
	Weight, Bias *Tensor
	Config       ConvConfig
}

// NewConv2dLayer makes a square-kernel convolution initialised as PyTorch
// does by default (kaiming-uniform with a=sqrt(5): U(-1/sqrt(fan_in),
// 1/sqrt(fan_in)) for weights and bias).
func NewConv2dLayer(in, out, kernel int, cfg ConvConfig, bias bool, rng *rand.Rand) *Conv2dLayer {
	cfg = cfg.normalized()
	fanIn := in / cfg.Groups * kernel * kernel
	bound := float32(1 / math.Sqrt(float64(fanIn)))
	l := &Conv2dLayer{Weight: NewParameter(uniform(rng, out*in/cfg.Groups*kernel*kernel, bound), out, in/cfg.Groups, kernel, kernel), Config: cfg}
	if bias {
		l.Bias = NewParameter(uniform(rng, out, bound), out)
	}
	return l
}

// Forward applies the convolution.
func (l *Conv2dLayer) Forward(x *Tensor) *Tensor { return Conv2d(x, l.Weight, l.Bias, l.Config) }

// OwnParameters returns "weight" and, if present, "bias".
func (l *Conv2dLayer) OwnParameters() []Named {
	if l.Bias == nil {
		return []Named{{"weight", l.Weight}}
	}
	return []Named{{"weight", l.Weight}, {"bias", l.Bias}}
}

// BatchNorm2dLayer is torch.nn.BatchNorm2d: parameters "weight" and "bias",
// buffers "running_mean", "running_var" and "num_batches_tracked".
type BatchNorm2dLayer struct {
	leaf
	Weight, Bias            *Tensor
	RunningMean, RunningVar *Tensor
	NumBatchesTracked       int64
	Momentum, Eps           float64
	// Training selects batch statistics; see also Frozen.
	Training bool
	// Frozen keeps the layer in eval behaviour (running statistics, no
	// update) even when the network is in training mode: the usual choice
	// when fine-tuning with small batches.
	Frozen bool
}

// NewBatchNorm2dLayer returns a BatchNorm over c channels with weight 1,
// bias 0, running mean 0, running variance 1, momentum 0.1 and eps 1e-5.
func NewBatchNorm2dLayer(c int) *BatchNorm2dLayer {
	ones := make([]float32, c)
	for i := range ones {
		ones[i] = 1
	}
	return &BatchNorm2dLayer{
		Weight: NewParameter(append([]float32(nil), ones...), c), Bias: NewParameter(make([]float32, c), c),
		RunningMean: New(c), RunningVar: FromData(ones, c),
		Momentum: 0.1, Eps: 1e-5, Training: true,
	}
}

// Forward normalises x with batch statistics in training mode (updating the
// running statistics and the counter) or with the running statistics.
func (l *BatchNorm2dLayer) Forward(x *Tensor) *Tensor {
	train := l.Training && !l.Frozen
	y := BatchNorm2d(x, l.Weight, l.Bias, l.RunningMean, l.RunningVar, BatchNormConfig{Training: train, Momentum: l.Momentum, Eps: l.Eps})
	if train {
		l.NumBatchesTracked++
	}
	return y
}

// OwnParameters returns "weight" and "bias".
func (l *BatchNorm2dLayer) OwnParameters() []Named {
	return []Named{{"weight", l.Weight}, {"bias", l.Bias}}
}

// OwnBuffers returns "running_mean" and "running_var".
func (l *BatchNorm2dLayer) OwnBuffers() []Named {
	return []Named{{"running_mean", l.RunningMean}, {"running_var", l.RunningVar}}
}

// OwnIntBuffers returns "num_batches_tracked".
func (l *BatchNorm2dLayer) OwnIntBuffers() []NamedInt {
	return []NamedInt{{"num_batches_tracked", &l.NumBatchesTracked}}
}

// SetOwnTraining selects batch (true) or running (false) statistics.
func (l *BatchNorm2dLayer) SetOwnTraining(training bool) { l.Training = training }

// LinearLayer is torch.nn.Linear: "weight" [out, in] and "bias" [out].
type LinearLayer struct {
	leaf
	Weight, Bias *Tensor
}

// NewLinearLayer returns a linear layer initialised as PyTorch does:
// weight and bias from U(-1/sqrt(in), 1/sqrt(in)).
func NewLinearLayer(in, out int, rng *rand.Rand) *LinearLayer {
	bound := float32(1 / math.Sqrt(float64(in)))
	return &LinearLayer{
		Weight: NewParameter(uniform(rng, out*in, bound), out, in),
		Bias:   NewParameter(uniform(rng, out, bound), out),
	}
}

// Forward applies x*W^T + b; a 4-D input is flattened first.
func (l *LinearLayer) Forward(x *Tensor) *Tensor {
	if x.Dim() != 2 {
		x = Flatten(x)
	}
	return Linear(x, l.Weight, l.Bias)
}

// OwnParameters returns "weight" and "bias".
func (l *LinearLayer) OwnParameters() []Named {
	if l.Bias == nil {
		return []Named{{"weight", l.Weight}}
	}
	return []Named{{"weight", l.Weight}, {"bias", l.Bias}}
}

// ReLULayer applies ReLU.
type ReLULayer struct{ leaf }

// Forward applies ReLU.
func (ReLULayer) Forward(x *Tensor) *Tensor { return ReLU(x) }

// MaxPool2dLayer applies MaxPool2d with a fixed config.
type MaxPool2dLayer struct {
	leaf
	Config PoolConfig
}

// Forward applies the pooling.
func (l *MaxPool2dLayer) Forward(x *Tensor) *Tensor { return MaxPool2d(x, l.Config) }

// AdaptiveAvgPool2dLayer averages to a fixed OH x OW grid.
type AdaptiveAvgPool2dLayer struct {
	leaf
	OH, OW int
}

// Forward applies the pooling.
func (l *AdaptiveAvgPool2dLayer) Forward(x *Tensor) *Tensor { return AdaptiveAvgPool2d(x, l.OH, l.OW) }

// FlattenLayer flattens all dimensions but the first.
type FlattenLayer struct{ leaf }

// Forward flattens x.
func (FlattenLayer) Forward(x *Tensor) *Tensor { return Flatten(x) }

// DropoutLayer zeroes elements with probability P in training mode.
type DropoutLayer struct {
	leaf
	P        float64
	Training bool
	Rng      *rand.Rand
}

// Forward applies dropout when training.
func (l *DropoutLayer) Forward(x *Tensor) *Tensor { return Dropout(x, l.P, l.Training, l.Rng) }

// SetOwnTraining turns dropout on (true) or off.
func (l *DropoutLayer) SetOwnTraining(training bool) { l.Training = training }

// uniform returns n values from U(-bound, bound).
func uniform(rng *rand.Rand, n int, bound float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = (2*rng.Float32() - 1) * bound
	}
	return out
}
