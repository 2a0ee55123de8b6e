package nn

import (
	"fmt"
	"math"
)

// epilogue is what a fused convolution applies to its output while it is
// still in cache: y = act(scale[c]*y + shift[c] + res) per output channel c,
// the eval-mode BatchNorm, residual add and ReLU that follow a conv in a
// ResNet unit.
type epilogue struct {
	scale, shift []float32 // per output channel
	res          []float32 // laid out as the output, or nil
	relu         bool
}

// apply finishes y[off:off+n], a stretch of output channel ch. It calls
// the same vector loops as BatchNorm2d, Add and ReLU, in the same order,
// so the result is bit-identical to the separate ops.
func (e *epilogue) apply(y []float32, ch, off, n int) {
	seg := y[off : off+n]
	if e.res == nil {
		vecAffine(seg, seg, e.scale[ch], e.shift[ch], e.relu)
		return
	}
	vecAffine(seg, seg, e.scale[ch], e.shift[ch], false)
	vecAdd(seg, seg, e.res[off:off+n])
	if e.relu {
		vecRelu(seg, seg)
	}
}

// bnEpilogue returns the epilogue of bn on its running statistics, with
// BatchNorm2d's eval-mode scale and shift, followed by an optional residual
// and ReLU.
func bnEpilogue(bn *BatchNorm2dLayer, c int, res *Tensor, relu bool) *epilogue {
	for _, p := range []*Tensor{bn.Weight, bn.Bias, bn.RunningMean, bn.RunningVar} {
		if p != nil && (p.Dim() != 1 || p.Shape[0] != c) {
			panic(fmt.Sprintf("nn: ConvBNAct: BatchNorm parameter of shape %v does not match %d conv output channels", p.Shape, c))
		}
	}
	if bn.RunningMean == nil || bn.RunningVar == nil {
		panic("nn: ConvBNAct: eval mode needs running statistics")
	}
	e := &epilogue{scale: make([]float32, c), shift: make([]float32, c), relu: relu}
	if res != nil {
		e.res = res.Data
	}
	for ch := range c {
		invStd := float32(1 / math.Sqrt(float64(bn.RunningVar.Data[ch])+bn.Eps))
		scale, shift := invStd, -bn.RunningMean.Data[ch]*invStd
		if bn.Weight != nil {
			scale *= bn.Weight.Data[ch]
			shift *= bn.Weight.Data[ch]
		}
		if bn.Bias != nil {
			shift += bn.Bias.Data[ch]
		}
		e.scale[ch], e.shift[ch] = scale, shift
	}
	return e
}

// ConvBNAct computes relu(bn(conv(x)) + residual), the conv-BN(-add)-ReLU
// chain of a ResNet unit; residual may be nil and relu false.
//
// For inference (x and residual untracked, bn on its running statistics:
// eval mode or Frozen) it runs as one fused op: the BatchNorm, the add and
// the ReLU are applied to each tile of the conv's output while the tile is
// in cache, with no intermediate tensors; the result is bit-identical to the
// separate ops. Otherwise (a graph is being recorded, or bn uses batch
// statistics) it is exactly the composition of conv.Forward, bn.Forward,
// Add and ReLU.
func ConvBNAct(x *Tensor, conv *Conv2dLayer, bn *BatchNorm2dLayer, residual *Tensor, relu bool) *Tensor {
	if anyTracked(x, residual) || (bn.Training && !bn.Frozen) || conv.Bias != nil {
		y := bn.Forward(conv.Forward(x))
		if residual != nil {
			y = Add(y, residual)
		}
		if relu {
			y = ReLU(y)
		}
		return y
	}
	g := newConvGeom(x, conv.Weight, conv.Config)
	if residual != nil {
		if err := residual.Check(); err != nil {
			panic("nn: ConvBNAct: residual: " + err.Error())
		}
		if !SameShape(residual.Shape, []int{g.n, g.cout, g.oh, g.ow}) {
			panic(fmt.Sprintf("nn: ConvBNAct: residual %v does not match the conv output [%d %d %d %d]", residual.Shape, g.n, g.cout, g.oh, g.ow))
		}
	}
	ep := bnEpilogue(bn, g.cout, residual, relu)
	y := New(g.n, g.cout, g.oh, g.ow)
	if !g.forwardTiled(x.Data, conv.Weight.Data, y.Data, ep) {
		g.forwardChunked(x.Data, conv.Weight.Data, y.Data, ep)
	}
	return y
}
