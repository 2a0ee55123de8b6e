package resnet

import (
	"fmt"
	"math"

	"github.com/seedling-ml/seedling/nn"
)

// Objective maps a tap's output to the scalar to differentiate.
type Objective func(tap *nn.Tensor) *nn.Tensor

// MeanObjective is the mean of the whole tap output (batch included), the
// classic DeepDream objective.
func MeanObjective() Objective { return nn.Mean }

// MeanSquareObjective is the mean of the squared tap output.
func MeanSquareObjective() Objective {
	return func(t *nn.Tensor) *nn.Tensor { return nn.Mean(nn.Mul(t, t)) }
}

// ChannelObjective is the mean of the listed channels of a 4-D tap output.
func ChannelObjective(channels ...int) Objective {
	return func(t *nn.Tensor) *nn.Tensor { return nn.Mean(nn.Channels(t, channels)) }
}

// ClassObjective is the sum over the batch of logits[i, targets[i]]: one
// target class per image (for the "fc" tap). Images are independent in
// eval mode, so row i of the input gradient is d logit_i / d x_i.
func ClassObjective(targets []int) Objective {
	return func(t *nn.Tensor) *nn.Tensor { return nn.Sum(nn.Gather(t, targets)) }
}

// GradRequest says what Gradient differentiates.
type GradRequest struct {
	// Tap is the name of the tensor the objective is defined on ("fc" or
	// "logits" for class scores, "layer3", "layer2.1.conv1", ...).
	Tap string
	// Objective maps the tap output to a one-element tensor.
	Objective Objective
	// GradTaps lists further taps whose activations and gradients are
	// returned (Grad-CAM asks for "layer4" while the objective is on "fc").
	GradTaps []string
	// ParamGrads, when true, also accumulates parameter gradients into each
	// parameter's Grad (as loss.backward() would). Off by default: only the
	// input and the taps are differentiated.
	ParamGrads bool
	// NoInputGrad skips the gradient with respect to the input: Input is
	// nil and the backward pass stops at the shallowest of GradTaps
	// (Grad-CAM on layer4 then costs a forward pass and the head's
	// backward, not a backward through the whole network).
	NoInputGrad bool
}

// GradResult holds the outcome of Gradient.
type GradResult struct {
	Value     float32               // the objective
	Input     *nn.Tensor            // d objective / d x, same shape as x; nil with NoInputGrad
	Taps      map[string]*nn.Tensor // activations of Tap and GradTaps
	TapGrads  map[string]*nn.Tensor // d objective / d tap for each of GradTaps
	ZeroGrad  bool                  // the input gradient is exactly zero everywhere (false with NoInputGrad)
	TapOutput *nn.Tensor            // the output of Tap
}

// Gradient runs x forward (only as deep as the requested taps need),
// evaluates the objective on the tap and returns its gradient with respect
// to the input and to GradTaps. The network's mode is left as it is: call
// Eval first for DeepDream and CAM (frozen BatchNorm statistics). A NaN or
// infinite objective is an error.
func (m *ResNet) Gradient(x *nn.Tensor, req GradRequest) (*GradResult, error) {
	if req.Objective == nil {
		return nil, fmt.Errorf("resnet: Gradient: no objective for tap %q", req.Tap)
	}
	if err := x.Check(); err != nil {
		return nil, fmt.Errorf("resnet: Gradient: input: %w", err)
	}
	xin := x.Detach().RequiresGrad()
	taps := append([]string{req.Tap}, req.GradTaps...)
	out, err := m.Run(xin, taps, true)
	if err != nil {
		return nil, err
	}
	names, _ := m.checkTaps(taps)
	tap := out.Taps[names[0]]
	var obj *nn.Tensor
	if err := nn.Try(func() { obj = req.Objective(tap) }); err != nil {
		return nil, fmt.Errorf("resnet: objective on %q: %w", req.Tap, err)
	}
	if obj == nil || obj.Numel() != 1 {
		return nil, fmt.Errorf("resnet: objective on %q must return one value", req.Tap)
	}
	v := obj.Item()
	if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		return nil, fmt.Errorf("resnet: objective on %q is %v", req.Tap, v)
	}
	var wrt []*nn.Tensor
	if !req.NoInputGrad {
		wrt = append(wrt, xin)
	}
	for _, n := range names[1:] {
		wrt = append(wrt, out.Taps[n])
	}
	if len(wrt) == 0 {
		return nil, fmt.Errorf("resnet: Gradient: NoInputGrad without GradTaps leaves nothing to differentiate")
	}
	var grads []*nn.Tensor
	if err := nn.Try(func() {
		if req.ParamGrads {
			for _, t := range wrt {
				t.RetainGrad()
			}
			obj.Backward()
			grads = make([]*nn.Tensor, len(wrt))
			for i, t := range wrt {
				grads[i] = t.Grad
				if grads[i] == nil {
					grads[i] = nn.New(t.Shape...)
				}
			}
		} else {
			grads = nn.Grad(obj, nil, wrt...)
		}
	}); err != nil {
		return nil, fmt.Errorf("resnet: backward from %q: %w", req.Tap, err)
	}
	res := &GradResult{Value: v, Taps: out.Taps, TapGrads: map[string]*nn.Tensor{}, TapOutput: tap}
	if !req.NoInputGrad {
		res.Input, grads = grads[0], grads[1:]
		res.ZeroGrad = true
		for _, g := range res.Input.Data {
			if g != 0 {
				res.ZeroGrad = false
				break
			}
		}
	}
	for i, n := range names[1:] {
		res.TapGrads[n] = grads[i]
	}
	return res, nil
}
