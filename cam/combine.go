package cam

import (
	"fmt"

	"github.com/seedling-ml/seedling/nn"
)

// Combine returns the weighted sum over channels of activations [N,K,h,w]
// with weights [N,K]: cam[n] = sum_k weights[n,k] * acts[n,k], [N,h,w],
// followed by a ReLU when relu is true (Grad-CAM family) and not for the
// classic CAM. Sums are accumulated in float64.
func Combine(acts, weights *nn.Tensor, relu bool) (*nn.Tensor, error) {
	if acts == nil || acts.Dim() != 4 {
		return nil, fmt.Errorf("cam: activations must be [N,K,h,w], got %v", shapeOf(acts))
	}
	n, k, h, w := acts.Shape[0], acts.Shape[1], acts.Shape[2], acts.Shape[3]
	if weights == nil || !nn.SameShape(weights.Shape, []int{n, k}) {
		return nil, fmt.Errorf("cam: weights must be [%d,%d] for activations %v, got %v", n, k, acts.Shape, shapeOf(weights))
	}
	plane := h * w
	out := nn.New(n, h, w)
	acc := make([]float64, plane)
	for i := 0; i < n; i++ {
		clear(acc)
		for c := 0; c < k; c++ {
			wc := float64(weights.Data[i*k+c])
			if wc == 0 {
				continue
			}
			a := acts.Data[(i*k+c)*plane : (i*k+c+1)*plane]
			for j, v := range a {
				acc[j] += wc * float64(v)
			}
		}
		dst := out.Data[i*plane : (i+1)*plane]
		for j, v := range acc {
			if relu && v < 0 {
				v = 0
			}
			dst[j] = float32(v)
		}
	}
	return out, nil
}

// GradCAMWeights returns the spatial mean of gradients [N,K,h,w]: the
// Grad-CAM channel weights [N,K].
func GradCAMWeights(grads *nn.Tensor) (*nn.Tensor, error) {
	if grads == nil || grads.Dim() != 4 {
		return nil, fmt.Errorf("cam: gradients must be [N,K,h,w], got %v", shapeOf(grads))
	}
	n, k, plane := grads.Shape[0], grads.Shape[1], grads.Shape[2]*grads.Shape[3]
	out := nn.New(n, k)
	if plane == 0 {
		return out, nil
	}
	for p := 0; p < n*k; p++ {
		var s float64
		for _, g := range grads.Data[p*plane : (p+1)*plane] {
			s += float64(g)
		}
		out.Data[p] = float32(s / float64(plane))
	}
	return out, nil
}

// GradCAMPlusPlusWeights returns the Grad-CAM++ channel weights [N,K] of
// activations and gradients [N,K,h,w] (equation 19 of Chattopadhyay et al.,
// as pytorch-grad-cam computes it): with g the gradient and S_k the sum of
// channel k's activations, alpha = g^2 / (2 g^2 + S_k g^3 + 1e-6), zero
// where g = 0, and w_k = sum over positions of relu(g) * alpha.
func GradCAMPlusPlusWeights(acts, grads *nn.Tensor) (*nn.Tensor, error) {
	if acts == nil || acts.Dim() != 4 {
		return nil, fmt.Errorf("cam: activations must be [N,K,h,w], got %v", shapeOf(acts))
	}
	if grads == nil || !nn.SameShape(acts.Shape, grads.Shape) {
		return nil, fmt.Errorf("cam: gradients %v must have the shape of the activations %v", shapeOf(grads), acts.Shape)
	}
	n, k, plane := acts.Shape[0], acts.Shape[1], acts.Shape[2]*acts.Shape[3]
	out := nn.New(n, k)
	const eps = 1e-6
	for p := 0; p < n*k; p++ {
		a := acts.Data[p*plane : (p+1)*plane]
		g := grads.Data[p*plane : (p+1)*plane]
		var sumA float64
		for _, v := range a {
			sumA += float64(v)
		}
		var wk float64
		for _, gv := range g {
			if gv <= 0 {
				continue // relu(g) = 0, and alpha = 0 where g = 0
			}
			g1 := float64(gv)
			g2 := g1 * g1
			den := 2*g2 + sumA*g2*g1 + eps
			if den == 0 {
				continue // pytorch-grad-cam would give inf here; no weight instead
			}
			wk += g1 * g2 / den
		}
		out.Data[p] = float32(wk)
	}
	return out, nil
}

// FromGradients computes Grad-CAM (method GradCAM) or Grad-CAM++ (method
// GradCAMPlusPlus) from a tap's activations and the gradients of the target
// score with respect to them, both [N,K,h,w]; the maps are upsampled to
// outH x outW (pass h, w to keep the tap's size) and normalised per image.
// It is the model-free core of Compute, for activations that come from
// elsewhere. Constant maps, all-negative weights and zero gradients give
// all-zero maps, never NaN.
func FromGradients(method Method, acts, grads *nn.Tensor, outH, outW int) (*Result, error) {
	var weights *nn.Tensor
	var err error
	switch method {
	case GradCAM, "":
		method = GradCAM
		if grads != nil && acts != nil && !nn.SameShape(acts.Shape, grads.Shape) {
			return nil, fmt.Errorf("cam: gradients %v must have the shape of the activations %v", grads.Shape, acts.Shape)
		}
		weights, err = GradCAMWeights(grads)
	case GradCAMPlusPlus:
		weights, err = GradCAMPlusPlusWeights(acts, grads)
	default:
		return nil, fmt.Errorf("cam: FromGradients: method %q is not gradient-weighted (want %q or %q)", method, GradCAM, GradCAMPlusPlus)
	}
	if err != nil {
		return nil, err
	}
	return fromWeights(method, "", acts, weights, true, outH, outW)
}

// FromWeights combines activations [N,K,h,w] with channel weights [N,K]
// (ReLU after the sum when relu is true), upsamples to outH x outW and
// normalises per image. With the fc weights of the target classes and
// relu false it is the classic CAM.
func FromWeights(acts, weights *nn.Tensor, relu bool, outH, outW int) (*Result, error) {
	m := CAM
	if relu {
		m = GradCAM
	}
	return fromWeights(m, "", acts, weights, relu, outH, outW)
}

func fromWeights(method Method, layer string, acts, weights *nn.Tensor, relu bool, outH, outW int) (*Result, error) {
	raw, err := Combine(acts, weights, relu)
	if err != nil {
		return nil, err
	}
	maps, err := finish(raw, outH, outW)
	if err != nil {
		return nil, err
	}
	return &Result{Method: method, Layer: layer, Maps: maps, Raw: raw, Weights: weights}, nil
}

func shapeOf(t *nn.Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape
}
