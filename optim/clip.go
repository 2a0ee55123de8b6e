package optim

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/seedling-ml/seedling/nn"
)

// clipEps is added to the norm before dividing, as in PyTorch.
const clipEps = 1e-6

// GradNorm returns the global L2 norm of the gradients of params (those
// with a non-nil Grad), accumulated in float64: sqrt(sum_p sum_i g_i^2).
// It is NaN or +Inf if a gradient holds a NaN or an Inf.
func GradNorm(params []nn.Named) float64 {
	var sum float64
	for _, p := range params {
		if p.Tensor == nil || p.Tensor.Grad == nil {
			continue
		}
		for _, g := range p.Tensor.Grad.Data {
			sum += float64(g) * float64(g)
		}
	}
	return math.Sqrt(sum)
}

// ClipGradNorm scales the gradients of params in place so that their global
// L2 norm is at most maxNorm, as torch.nn.utils.clip_grad_norm_: with
// norm = GradNorm(params), every gradient is multiplied by
// maxNorm/(norm+1e-6) (as a float32) when that factor is below 1. It
// returns the norm before clipping.
//
// Like clip_grad_norm_(error_if_nonfinite=True), it returns an error, and
// changes no gradient, when the norm is NaN or Inf (the error names the
// parameters whose gradients hold NaN or Inf, see CheckFiniteGrads), or
// when maxNorm is not a positive finite number. Parameters with a nil Grad
// are ignored.
func ClipGradNorm(params []nn.Named, maxNorm float64) (float64, error) {
	if !(maxNorm > 0) || math.IsInf(maxNorm, 0) {
		return math.NaN(), fmt.Errorf("optim: ClipGradNorm: maxNorm %v is not a positive finite number", maxNorm)
	}
	norm := GradNorm(params)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		err := CheckFiniteGrads(params)
		if err == nil { // cannot happen for float32 data; keeps err non-nil
			err = fmt.Errorf("optim: gradient norm %v is not finite", norm)
		}
		return norm, fmt.Errorf("optim: ClipGradNorm: total gradient norm is %v: %w", norm, err)
	}
	coef := maxNorm / (norm + clipEps)
	if coef >= 1 {
		return norm, nil
	}
	c := float32(coef)
	for _, p := range params {
		if p.Tensor == nil || p.Tensor.Grad == nil {
			continue
		}
		g := p.Tensor.Grad.Data
		for i := range g {
			g[i] *= c
		}
	}
	return norm, nil
}

// NonFiniteError reports parameters whose gradients hold NaN or Inf values.
type NonFiniteError struct {
	// Params lists, in order, the names of the parameters with at least
	// one NaN or Inf in their gradient.
	Params []string
	// NaN and Inf count the offending elements over all of them.
	NaN, Inf int
}

// Error names the parameters (the first five) and the counts.
func (e *NonFiniteError) Error() string {
	names := e.Params
	more := ""
	if len(names) > 5 {
		more = fmt.Sprintf(" and %d more", len(names)-5)
		names = names[:5]
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	return fmt.Sprintf("non-finite gradient (%d NaN, %d Inf) in %s%s", e.NaN, e.Inf, strings.Join(quoted, ", "), more)
}

// CheckFiniteGrads returns a *NonFiniteError naming every parameter whose
// gradient holds a NaN or an Inf, or nil if all gradients are finite.
// Parameters with a nil Grad are ignored.
func CheckFiniteGrads(params []nn.Named) error {
	var e NonFiniteError
	for _, p := range params {
		if p.Tensor == nil || p.Tensor.Grad == nil {
			continue
		}
		bad := false
		for _, g := range p.Tensor.Grad.Data {
			switch {
			case g != g:
				e.NaN++
				bad = true
			case math.IsInf(float64(g), 0):
				e.Inf++
				bad = true
			}
		}
		if bad {
			e.Params = append(e.Params, p.Name)
		}
	}
	if len(e.Params) == 0 {
		return nil
	}
	return &e
}

// IsNonFinite reports whether err is or wraps a *NonFiniteError.
func IsNonFinite(err error) bool {
	var e *NonFiniteError
	return errors.As(err, &e)
}
