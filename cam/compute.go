package cam

import (
	"fmt"
	"math"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// Compute explains the classification of the NCHW batch x by m (which
// should be in eval mode: call m.Eval() first) with the method, layer and
// targets of opts, and returns one normalised heat map per image at the
// input size. Bad options (unknown layer, a target out of range, a
// Targets length that is neither 1 nor N, CAM on a layer other than the
// last stage) are errors.
func Compute(m *resnet.ResNet, x *nn.Tensor, opts Options) (*Result, error) {
	if m == nil {
		return nil, fmt.Errorf("cam: nil model")
	}
	if x == nil || x.Dim() != 4 || x.Shape[1] != 3 || x.Shape[0] < 1 {
		return nil, fmt.Errorf("cam: input must be a non-empty [N,3,H,W] batch, got %v", shapeOf(x))
	}
	opts = opts.withDefaults()
	n := x.Shape[0]
	targets, err := expandTargets(opts.Targets, n, m.NumClasses())
	if err != nil {
		return nil, err
	}
	var res *Result
	switch opts.Method {
	case CAM:
		res, err = classicCAM(m, x, opts.Layer, targets)
	case GradCAM, GradCAMPlusPlus:
		res, err = gradCAM(m, x, opts.Method, opts.Layer, targets)
	case Saliency:
		res, err = saliency(m, x, targets)
	case ScoreCAM:
		res, err = scoreCAM(m, x, opts, targets)
	default:
		return nil, fmt.Errorf("cam: unknown method %q (want one of %v)", opts.Method, Methods())
	}
	if err != nil {
		return nil, err
	}
	res.Probs = probabilities(res.Logits)
	res.Predicted = argmaxRows(res.Logits)
	return res, nil
}

// expandTargets checks the requested classes; nil stays nil (predicted).
func expandTargets(t []int, n, classes int) ([]int, error) {
	if t == nil {
		return nil, nil
	}
	switch len(t) {
	case n:
		t = append([]int(nil), t...)
	case 1:
		one := t[0]
		t = make([]int, n)
		for i := range t {
			t[i] = one
		}
	default:
		return nil, fmt.Errorf("cam: %d target classes for a batch of %d images (give one, or one per image)", len(t), n)
	}
	for i, c := range t {
		if c < 0 || c >= classes {
			return nil, fmt.Errorf("cam: target class %d of image %d is out of range [0,%d)", c, i, classes)
		}
	}
	return t, nil
}

// targetObjective is resnet.ClassObjective on the given targets, or on the
// arg-max of each row when targets is nil; chosen records the classes used.
func targetObjective(targets []int, chosen *[]int) resnet.Objective {
	return func(logits *nn.Tensor) *nn.Tensor {
		t := targets
		if t == nil {
			t = argmaxRows(logits)
		}
		*chosen = t
		return nn.Sum(nn.Gather(logits, t))
	}
}

// classicCAM is Zhou et al.'s CAM: fc.weight[target] . layer4, no ReLU.
func classicCAM(m *resnet.ResNet, x *nn.Tensor, layer string, targets []int) (*Result, error) {
	last := fmt.Sprintf("layer%d", len(m.Layers))
	if layer != last {
		return nil, fmt.Errorf("cam: CAM needs the last stage's features (%q, the input of the global pool and fc), not %q; use Grad-CAM for other layers", last, layer)
	}
	out, err := m.Run(x.Detach(), []string{layer}, false)
	if err != nil {
		return nil, fmt.Errorf("cam: %w", err)
	}
	acts := out.Taps[layer]
	if targets == nil {
		targets = argmaxRows(out.Logits)
	}
	n, k := acts.Shape[0], acts.Shape[1]
	fw := m.FC.Weight
	if fw.Dim() != 2 || fw.Shape[1] != k {
		return nil, fmt.Errorf("cam: fc.weight %v does not match %d feature channels", fw.Shape, k)
	}
	weights := nn.New(n, k)
	for i, c := range targets {
		copy(weights.Data[i*k:(i+1)*k], fw.Data[c*k:(c+1)*k])
	}
	res, err := fromWeights(CAM, layer, acts, weights, false, x.Shape[2], x.Shape[3])
	if err != nil {
		return nil, err
	}
	res.Targets, res.Logits = targets, out.Logits
	return res, nil
}

// gradCAM runs one forward and backward pass for Grad-CAM or Grad-CAM++.
func gradCAM(m *resnet.ResNet, x *nn.Tensor, method Method, layer string, targets []int) (*Result, error) {
	var chosen []int
	g, err := m.Gradient(x, resnet.GradRequest{Tap: "fc", Objective: targetObjective(targets, &chosen), GradTaps: []string{layer}, NoInputGrad: true})
	if err != nil {
		return nil, fmt.Errorf("cam: %w", err)
	}
	acts, grads := g.Taps[layer], g.TapGrads[layer]
	if acts == nil || acts.Dim() != 4 {
		return nil, fmt.Errorf("cam: %s of layer %q needs a [N,K,h,w] output, got %v", method, layer, shapeOf(acts))
	}
	res, err := FromGradients(method, acts, grads, x.Shape[2], x.Shape[3])
	if err != nil {
		return nil, err
	}
	res.Layer, res.Targets, res.Logits = layer, chosen, g.TapOutput.Detach()
	return res, nil
}

// saliency is the plain gradient map: max over colours of |d logit / d x|.
func saliency(m *resnet.ResNet, x *nn.Tensor, targets []int) (*Result, error) {
	var chosen []int
	g, err := m.Gradient(x, resnet.GradRequest{Tap: "fc", Objective: targetObjective(targets, &chosen)})
	if err != nil {
		return nil, fmt.Errorf("cam: %w", err)
	}
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	plane := h * w
	raw := nn.New(n, h, w)
	for i := 0; i < n; i++ {
		dst := raw.Data[i*plane : (i+1)*plane]
		for ch := 0; ch < c; ch++ {
			src := g.Input.Data[(i*c+ch)*plane : (i*c+ch+1)*plane]
			for j, v := range src {
				dst[j] = max(dst[j], float32(math.Abs(float64(v))))
			}
		}
	}
	maps, err := Normalize(raw)
	if err != nil {
		return nil, err
	}
	return &Result{Method: Saliency, Layer: "input", Maps: maps, Raw: raw, Targets: chosen, Logits: g.TapOutput.Detach()}, nil
}

// argmaxRows returns the index of the largest value of each row of a
// [N,C] tensor (the first one on ties), or nil for nil.
func argmaxRows(t *nn.Tensor) []int {
	if t == nil || t.Dim() != 2 {
		return nil
	}
	n, c := t.Shape[0], t.Shape[1]
	out := make([]int, n)
	for i := range out {
		row := t.Data[i*c : (i+1)*c]
		for j, v := range row {
			if v > row[out[i]] {
				out[i] = j
			}
		}
	}
	return out
}

func probabilities(logits *nn.Tensor) *nn.Tensor {
	if logits == nil || logits.Dim() != 2 {
		return nil
	}
	return nn.Softmax(logits.Detach())
}
