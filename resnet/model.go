package resnet

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/seedling-ml/seedling/nn"
)

// Arch names a supported architecture.
type Arch string

// The architectures of torchvision's ResNet family that this package builds.
const (
	ResNet18Arch Arch = "resnet18"
	ResNet34Arch Arch = "resnet34"
	ResNet50Arch Arch = "resnet50"
)

// spec gives the block type and the number of units per stage.
var specs = map[Arch]struct {
	bottleneck bool
	layers     [4]int
}{
	ResNet18Arch: {false, [4]int{2, 2, 2, 2}},
	ResNet34Arch: {false, [4]int{3, 4, 6, 3}},
	ResNet50Arch: {true, [4]int{3, 4, 6, 3}},
}

// Archs lists the supported architecture names.
func Archs() []Arch { return []Arch{ResNet18Arch, ResNet34Arch, ResNet50Arch} }

// ResNet is torchvision's ResNet: conv1, bn1, relu, maxpool, layer1..4,
// avgpool, fc, with every parameter and buffer named as in torchvision's
// state_dict ("layer2.0.downsample.1.running_var", "fc.weight", ...).
type ResNet struct {
	Arch    Arch
	Conv1   *nn.Conv2dLayer
	BN1     *nn.BatchNorm2dLayer
	MaxPool *nn.MaxPool2dLayer
	Layers  [4][]Block // layer1 .. layer4
	FC      *nn.LinearLayer
	// FreezeBN keeps every BatchNorm on its running statistics (eval
	// behaviour) even in training mode; see SetFreezeBN.
	freezeBN bool
}

// New builds an architecture for numClasses outputs, initialised as
// torchvision does (Kaiming-normal convs with fan_out, BN weight 1 and bias
// 0, PyTorch's default Linear init), from the given seed.
func New(arch Arch, numClasses int, seed uint64) (*ResNet, error) {
	sp, ok := specs[arch]
	if !ok {
		return nil, fmt.Errorf("resnet: unknown architecture %q (want one of %v)", arch, Archs())
	}
	if numClasses < 1 {
		return nil, fmt.Errorf("resnet: number of classes must be >= 1, got %d", numClasses)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed1))
	m := &ResNet{
		Arch:    arch,
		Conv1:   newConv(3, 64, 7, 2, 3, rng),
		BN1:     nn.NewBatchNorm2dLayer(64),
		MaxPool: &nn.MaxPool2dLayer{Config: nn.PoolConfig{Kernel: 3, Stride: 2, Pad: 1}},
	}
	in := 64
	for s, n := range sp.layers {
		planes := 64 << s
		for i := 0; i < n; i++ {
			stride := 1
			if i == 0 && s > 0 {
				stride = 2
			}
			if sp.bottleneck {
				m.Layers[s] = append(m.Layers[s], newBottleneck(in, planes, stride, rng))
				in = planes * bottleneckExpansion
			} else {
				m.Layers[s] = append(m.Layers[s], newBasicBlock(in, planes, stride, rng))
				in = planes
			}
		}
	}
	m.FC = nn.NewLinearLayer(in, numClasses, rng)
	return m, nil
}

// ResNet18 returns a freshly initialised ResNet18 (seed 0).
func ResNet18(numClasses int) (*ResNet, error) { return New(ResNet18Arch, numClasses, 0) }

// ResNet34 returns a freshly initialised ResNet34 (seed 0).
func ResNet34(numClasses int) (*ResNet, error) { return New(ResNet34Arch, numClasses, 0) }

// ResNet50 returns a freshly initialised ResNet50 (seed 0).
func ResNet50(numClasses int) (*ResNet, error) { return New(ResNet50Arch, numClasses, 0) }

// NumClasses returns the number of outputs of the head.
func (m *ResNet) NumClasses() int { return m.FC.Weight.Shape[0] }

// FeatureChannels returns the number of channels of layer4's output (the
// input size of fc): 512 for ResNet18/34, 2048 for ResNet50.
func (m *ResNet) FeatureChannels() int { return m.FC.Weight.Shape[1] }

// ResetHead replaces fc with a freshly initialised layer of numClasses
// outputs (the fine-tuning step from ImageNet's 1000 classes to a new set).
// A number of classes below 1 is an error and leaves fc as it was.
func (m *ResNet) ResetHead(numClasses int, seed uint64) error {
	if numClasses < 1 {
		return fmt.Errorf("resnet: ResetHead: number of classes must be >= 1, got %d", numClasses)
	}
	m.FC = nn.NewLinearLayer(m.FeatureChannels(), numClasses, rand.New(rand.NewPCG(seed, 0xfc)))
	return nil
}

// newConv makes a bias-free conv initialised with kaiming_normal_(fan_out).
func newConv(in, out, k, stride, pad int, rng *rand.Rand) *nn.Conv2dLayer {
	c := nn.NewConv2dLayer(in, out, k, nn.Conv2dOptions(stride, pad, 1, 1), false, rng)
	std := math.Sqrt(2 / float64(out*k*k))
	for i := range c.Weight.Data {
		c.Weight.Data[i] = float32(rng.NormFloat64() * std)
	}
	return c
}

// Forward returns the logits [N, classes] of an NCHW batch. It panics on
// bad shapes (as nn's ops do); Run returns an error instead.
func (m *ResNet) Forward(x *nn.Tensor) *nn.Tensor {
	return m.forward(x, nil)
}

func (m *ResNet) forward(x *nn.Tensor, rec *recorder) *nn.Tensor {
	h := m.stem(x, rec)
	h = rec.call("", "maxpool", h, m.MaxPool.Forward)
	for s, blocks := range m.Layers {
		stage := stageName(s)
		for i, b := range blocks {
			unit := fmt.Sprintf("%s.%d", stage, i)
			h = rec.call("", unit, h, func(x *nn.Tensor) *nn.Tensor { return b.forward(x, unit, rec) })
		}
		rec.tap(stage, h)
	}
	h = rec.call("", "avgpool", h, func(x *nn.Tensor) *nn.Tensor { return nn.AdaptiveAvgPool2d(x, 1, 1) })
	h = rec.call("", "flatten", h, nn.Flatten)
	return rec.call("", "fc", h, m.FC.Forward)
}

// stem is conv1, bn1 and relu: one fused op for inference when neither
// conv1 nor bn1 is tapped.
func (m *ResNet) stem(x *nn.Tensor, rec *recorder) *nn.Tensor {
	if !x.Tracked() && !rec.wants("conv1") && !rec.wants("bn1") {
		return rec.call("", "relu", x, func(x *nn.Tensor) *nn.Tensor { return nn.ConvBNAct(x, m.Conv1, m.BN1, nil, true) })
	}
	h := rec.call("", "conv1", x, m.Conv1.Forward)
	h = rec.call("", "bn1", h, m.BN1.Forward)
	if rec.wants("bn1") {
		return rec.call("", "relu", h, nn.ReLU)
	}
	return rec.call("", "relu", h, nn.ReLUInPlace)
}

func stageName(s int) string { return fmt.Sprintf("layer%d", s+1) }

// Children names the sub-modules as torchvision does; each stage is a
// Sequential-like container named "layer1" .. "layer4".
func (m *ResNet) Children() []nn.NamedModule {
	c := []nn.NamedModule{{Name: "conv1", Module: m.Conv1}, {Name: "bn1", Module: m.BN1}}
	for s, blocks := range m.Layers {
		mods := make([]nn.Module, len(blocks))
		for i, b := range blocks {
			mods[i] = b
		}
		c = append(c, nn.NamedModule{Name: stageName(s), Module: nn.NewSequential(mods...)})
	}
	return append(c, nn.NamedModule{Name: "fc", Module: m.FC})
}

// OwnParameters returns nothing: all parameters belong to children.
func (m *ResNet) OwnParameters() []nn.Named { return nil }

// OwnBuffers returns nothing: all buffers belong to children.
func (m *ResNet) OwnBuffers() []nn.Named { return nil }

// SetOwnTraining does nothing; use Train or Eval for the whole network.
func (m *ResNet) SetOwnTraining(bool) {}

// Train switches the network to training mode (batch statistics in every
// BatchNorm unless FreezeBN is set).
func (m *ResNet) Train() { nn.SetTraining(m, true); m.applyFreeze() }

// Eval switches the network to eval mode (running statistics).
func (m *ResNet) Eval() { nn.SetTraining(m, false) }

// SetFreezeBN keeps every BatchNorm on its running statistics, without
// updating them, even in training mode: the usual setting for fine-tuning
// with small batches on a CPU. The BN weights and biases still train.
func (m *ResNet) SetFreezeBN(freeze bool) {
	m.freezeBN = freeze
	m.applyFreeze()
}

func (m *ResNet) applyFreeze() {
	nn.Walk(m, func(_ string, mod nn.Module) {
		if bn, ok := mod.(*nn.BatchNorm2dLayer); ok {
			bn.Frozen = m.freezeBN
		}
	})
}

// Parameters returns every trainable tensor by its torchvision name.
func (m *ResNet) Parameters() []nn.Named { return nn.Parameters(m) }
