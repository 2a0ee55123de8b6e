package resnet

import (
	"math/rand/v2"

	"github.com/seedling-ml/seedling/nn"
)

// Block is one residual unit of a stage: a BasicBlock or a Bottleneck.
type Block interface {
	nn.Module
	// forward applies the unit, reporting its inner tensors to rec under
	// prefix (for example "layer2.1").
	forward(x *nn.Tensor, prefix string, rec *recorder) *nn.Tensor
	// tapNames lists the inner tap names of the unit, relative to it.
	tapNames() []string
}

// BasicBlock is torchvision's two-conv residual unit (ResNet18/34):
//
//	out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))
//
// where shortcut is the identity or Downsample (1x1 conv + BN).
type BasicBlock struct {
	Conv1, Conv2 *nn.Conv2dLayer
	BN1, BN2     *nn.BatchNorm2dLayer
	Downsample   *nn.Sequential // nil for the identity shortcut
}

func newBasicBlock(in, planes, stride int, rng *rand.Rand) *BasicBlock {
	b := &BasicBlock{
		Conv1: newConv(in, planes, 3, stride, 1, rng),
		BN1:   nn.NewBatchNorm2dLayer(planes),
		Conv2: newConv(planes, planes, 3, 1, 1, rng),
		BN2:   nn.NewBatchNorm2dLayer(planes),
	}
	if stride != 1 || in != planes {
		b.Downsample = nn.NewSequential(newConv(in, planes, 1, stride, 0, rng), nn.NewBatchNorm2dLayer(planes))
	}
	return b
}

// Forward applies the unit.
func (b *BasicBlock) Forward(x *nn.Tensor) *nn.Tensor { return b.forward(x, "", nil) }

func (b *BasicBlock) forward(x *nn.Tensor, p string, rec *recorder) *nn.Tensor {
	if rec.fusable(x, p) {
		h := rec.call(p, "conv1", x, func(x *nn.Tensor) *nn.Tensor { return nn.ConvBNAct(x, b.Conv1, b.BN1, nil, true) })
		sc := fusedShortcut(x, b.Downsample, p, rec)
		return rec.call(p, "conv2", h, func(h *nn.Tensor) *nn.Tensor { return nn.ConvBNAct(h, b.Conv2, b.BN2, sc, true) })
	}
	relu, add := unitOps(rec, p)
	h := rec.call(p, "conv1", x, b.Conv1.Forward)
	h = rec.call(p, "bn1", h, b.BN1.Forward)
	h = rec.call(p, "relu1", h, relu)
	h = rec.call(p, "conv2", h, b.Conv2.Forward)
	h = rec.call(p, "bn2", h, b.BN2.Forward)
	sc := shortcut(x, b.Downsample, p, rec)
	sum := rec.call(p, "add", h, func(h *nn.Tensor) *nn.Tensor { return add(h, sc) })
	return relu(sum)
}

// unitOps returns the ReLU and Add of a unit: in place (as torchvision's
// inplace ReLU and out += identity), so that a training graph keeps four
// tensors per BasicBlock instead of seven, unless a tap inside the unit
// needs the intermediate tensors intact.
func unitOps(rec *recorder, p string) (relu func(*nn.Tensor) *nn.Tensor, add func(a, b *nn.Tensor) *nn.Tensor) {
	if rec.wantsInside(p) {
		return nn.ReLU, nn.Add
	}
	return nn.ReLUInPlace, nn.AddInPlace
}

func (b *BasicBlock) tapNames() []string {
	names := []string{"conv1", "bn1", "relu1", "conv2", "bn2", "shortcut", "add"}
	if b.Downsample != nil {
		names = append(names, "downsample", "downsample.0", "downsample.1")
	}
	return names
}

// Children names the sub-modules as torchvision does.
func (b *BasicBlock) Children() []nn.NamedModule {
	c := []nn.NamedModule{{Name: "conv1", Module: b.Conv1}, {Name: "bn1", Module: b.BN1}, {Name: "conv2", Module: b.Conv2}, {Name: "bn2", Module: b.BN2}}
	if b.Downsample != nil {
		c = append(c, nn.NamedModule{Name: "downsample", Module: b.Downsample})
	}
	return c
}

// OwnParameters returns nothing: all parameters belong to children.
func (b *BasicBlock) OwnParameters() []nn.Named { return nil }

// OwnBuffers returns nothing: all buffers belong to children.
func (b *BasicBlock) OwnBuffers() []nn.Named { return nil }

// SetOwnTraining does nothing: the unit has no own state.
func (b *BasicBlock) SetOwnTraining(bool) {}

// Bottleneck is torchvision's three-conv residual unit (ResNet50, V1.5:
// the stride is on the 3x3 conv):
//
//	out = relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x))
type Bottleneck struct {
	Conv1, Conv2, Conv3 *nn.Conv2dLayer
	BN1, BN2, BN3       *nn.BatchNorm2dLayer
	Downsample          *nn.Sequential
}

const bottleneckExpansion = 4

func newBottleneck(in, planes, stride int, rng *rand.Rand) *Bottleneck {
	out := planes * bottleneckExpansion
	b := &Bottleneck{
		Conv1: newConv(in, planes, 1, 1, 0, rng), BN1: nn.NewBatchNorm2dLayer(planes),
		Conv2: newConv(planes, planes, 3, stride, 1, rng), BN2: nn.NewBatchNorm2dLayer(planes),
		Conv3: newConv(planes, out, 1, 1, 0, rng), BN3: nn.NewBatchNorm2dLayer(out),
	}
	if stride != 1 || in != out {
		b.Downsample = nn.NewSequential(newConv(in, out, 1, stride, 0, rng), nn.NewBatchNorm2dLayer(out))
	}
	return b
}

// Forward applies the unit.
func (b *Bottleneck) Forward(x *nn.Tensor) *nn.Tensor { return b.forward(x, "", nil) }

func (b *Bottleneck) forward(x *nn.Tensor, p string, rec *recorder) *nn.Tensor {
	if rec.fusable(x, p) {
		h := rec.call(p, "conv1", x, func(x *nn.Tensor) *nn.Tensor { return nn.ConvBNAct(x, b.Conv1, b.BN1, nil, true) })
		h = rec.call(p, "conv2", h, func(h *nn.Tensor) *nn.Tensor { return nn.ConvBNAct(h, b.Conv2, b.BN2, nil, true) })
		sc := fusedShortcut(x, b.Downsample, p, rec)
		return rec.call(p, "conv3", h, func(h *nn.Tensor) *nn.Tensor { return nn.ConvBNAct(h, b.Conv3, b.BN3, sc, true) })
	}
	relu, add := unitOps(rec, p)
	h := rec.call(p, "conv1", x, b.Conv1.Forward)
	h = rec.call(p, "bn1", h, b.BN1.Forward)
	h = rec.call(p, "relu1", h, relu)
	h = rec.call(p, "conv2", h, b.Conv2.Forward)
	h = rec.call(p, "bn2", h, b.BN2.Forward)
	h = rec.call(p, "relu2", h, relu)
	h = rec.call(p, "conv3", h, b.Conv3.Forward)
	h = rec.call(p, "bn3", h, b.BN3.Forward)
	sc := shortcut(x, b.Downsample, p, rec)
	sum := rec.call(p, "add", h, func(h *nn.Tensor) *nn.Tensor { return add(h, sc) })
	return relu(sum)
}

func (b *Bottleneck) tapNames() []string {
	names := []string{"conv1", "bn1", "relu1", "conv2", "bn2", "relu2", "conv3", "bn3", "shortcut", "add"}
	if b.Downsample != nil {
		names = append(names, "downsample", "downsample.0", "downsample.1")
	}
	return names
}

// Children names the sub-modules as torchvision does.
func (b *Bottleneck) Children() []nn.NamedModule {
	c := []nn.NamedModule{{Name: "conv1", Module: b.Conv1}, {Name: "bn1", Module: b.BN1}, {Name: "conv2", Module: b.Conv2},
		{Name: "bn2", Module: b.BN2}, {Name: "conv3", Module: b.Conv3}, {Name: "bn3", Module: b.BN3}}
	if b.Downsample != nil {
		c = append(c, nn.NamedModule{Name: "downsample", Module: b.Downsample})
	}
	return c
}

// OwnParameters returns nothing: all parameters belong to children.
func (b *Bottleneck) OwnParameters() []nn.Named { return nil }

// OwnBuffers returns nothing: all buffers belong to children.
func (b *Bottleneck) OwnBuffers() []nn.Named { return nil }

// SetOwnTraining does nothing: the unit has no own state.
func (b *Bottleneck) SetOwnTraining(bool) {}

// shortcut returns the identity or the downsample output, tapped as
// "<unit>.shortcut" (and "<unit>.downsample", ".downsample.0", ".downsample.1").
func shortcut(x *nn.Tensor, ds *nn.Sequential, p string, rec *recorder) *nn.Tensor {
	if ds == nil {
		return rec.call(p, "shortcut", x, func(x *nn.Tensor) *nn.Tensor { return x })
	}
	h := rec.call(p, "downsample.0", x, ds.Layers[0].Forward)
	h = rec.call(p, "downsample.1", h, ds.Layers[1].Forward)
	rec.tap(join(p, "downsample"), h)
	rec.tap(join(p, "shortcut"), h)
	return h
}

// fusedShortcut is shortcut for a fused unit: the identity, or the
// downsample conv and BN as one op (when they are the usual Conv2dLayer
// and BatchNorm2dLayer).
func fusedShortcut(x *nn.Tensor, ds *nn.Sequential, p string, rec *recorder) *nn.Tensor {
	if ds == nil {
		return x
	}
	conv, ok1 := ds.Layers[0].(*nn.Conv2dLayer)
	bn, ok2 := ds.Layers[1].(*nn.BatchNorm2dLayer)
	if !ok1 || !ok2 {
		return shortcut(x, ds, p, rec)
	}
	return rec.call(p, "downsample", x, func(x *nn.Tensor) *nn.Tensor { return nn.ConvBNAct(x, conv, bn, nil, false) })
}
