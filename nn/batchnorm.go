package nn

import (
	"fmt"
	"math"
)

// BatchNormConfig holds BatchNorm2d's settings. Training selects batch
// statistics (and updates the running ones); otherwise the running
// statistics are used as constants.
type BatchNormConfig struct {
	Training bool
	Momentum float64 // weight of the new batch statistic; PyTorch's default is 0.1
	Eps      float64 // added to the variance; PyTorch's default is 1e-5
}

// BatchNorm2d normalises each channel of x, as torch.nn.functional.batch_norm.
//
//	x: [N, C, H, W]   weight, bias, runningMean, runningVar: [C]
//	train: y = weight*(x-mu)/sqrt(var_b+eps) + bias with the batch mean and
//	       biased variance (computed in float64, two-pass, so a large offset
//	       is harmless); runningMean/Var are updated in place with momentum
//	       and the unbiased variance. N*H*W must be > 1.
//	eval:  y = weight*(x-runningMean)/sqrt(runningVar+eps) + bias.
//
// weight and bias may be nil (affine=false). Running statistics may be nil
// in training mode (track_running_stats=false).
func BatchNorm2d(x, weight, bias, runningMean, runningVar *Tensor, cfg BatchNormConfig) *Tensor {
	if x.Dim() != 4 {
		panic(fmt.Sprintf("nn: BatchNorm2d: input %v must be 4-D (NCHW)", x.Shape))
	}
	n, c, plane := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	for _, p := range []*Tensor{weight, bias, runningMean, runningVar} {
		if p != nil && (p.Dim() != 1 || p.Shape[0] != c) {
			panic(fmt.Sprintf("nn: BatchNorm2d: parameter of shape %v does not match %d channels of input %v", p.Shape, c, x.Shape))
		}
	}
	if (runningMean == nil) != (runningVar == nil) {
		panic("nn: BatchNorm2d: running mean and running variance must be given together (or both nil)")
	}
	count := n * plane
	if cfg.Training && count <= 1 {
		panic(fmt.Sprintf("nn: BatchNorm2d: expected more than 1 value per channel when training, got input size %v", x.Shape))
	}
	if !cfg.Training && (runningMean == nil || runningVar == nil) {
		panic("nn: BatchNorm2d: eval mode needs running statistics")
	}
	mean := make([]float32, c)
	invStd := make([]float32, c)
	parallelFor(c, max(1, elementGrain/max(1, count)), func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			bnStats(x, runningMean, runningVar, ch, cfg, mean, invStd)
		}
	})
	y := New(x.Shape...)
	parallelFor(n*c, max(1, elementGrain/max(1, plane)), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			ch := p % c
			scale, shift := invStd[ch], -mean[ch]*invStd[ch]
			if weight != nil {
				scale *= weight.Data[ch]
				shift *= weight.Data[ch]
			}
			if bias != nil {
				shift += bias.Data[ch]
			}
			off := p * plane
			vecAffine(y.Data[off:off+plane], x.Data[off:off+plane], scale, shift, false)
		}
	})
	training := cfg.Training
	if anyTracked(x, weight, bias) {
		record(y, "BatchNorm2d", []*Tensor{x, weight, bias}, func(gy *Tensor, gx []*Tensor) {
			batchNormBackward(x, weight, mean, invStd, training, gy, gx)
		})
	}
	return y
}

// bnStats fills mean[ch] and invStd[ch] from the batch (training, also
// updating the running statistics) or from the running statistics.
func bnStats(x, runningMean, runningVar *Tensor, ch int, cfg BatchNormConfig, mean, invStd []float32) {
	n, c, plane := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	count := n * plane
	if cfg.Training {
		// Two passes: a shift estimate (the first plane's mean, so that a
		// large offset cancels before any squaring), then the sums of the
		// deviations and their squares, per plane in float32 vectors and
		// across planes in float64.
		shift, _ := vecSumDev(x.Data[ch*plane:(ch+1)*plane], 0)
		shift32 := float32(shift / float64(plane))
		var s, ss float64
		for i := 0; i < n; i++ {
			a, b := vecSumDev(x.Data[(i*c+ch)*plane:(i*c+ch+1)*plane], shift32)
			s += a
			ss += b
		}
		d := s / float64(count)
		mu := float64(shift32) + d
		varB := max(0, ss/float64(count)-d*d)
		mean[ch] = float32(mu)
		invStd[ch] = float32(1 / math.Sqrt(varB+cfg.Eps))
		if runningMean != nil {
			m := cfg.Momentum
			runningMean.Data[ch] = float32((1-m)*float64(runningMean.Data[ch]) + m*mu)
			runningVar.Data[ch] = float32((1-m)*float64(runningVar.Data[ch]) + m*varB*float64(count)/float64(count-1))
		}
	} else {
		mean[ch] = runningMean.Data[ch]
		invStd[ch] = float32(1 / math.Sqrt(float64(runningVar.Data[ch])+cfg.Eps))
	}
}

// batchNormBackward: with xhat = (x-mu)*invStd,
//
//	gw = sum(gy*xhat), gb = sum(gy)
//	train: gx = w*invStd*(gy - mean(gy) - xhat*mean(gy*xhat))
//	eval:  gx = gy*w*invStd
func batchNormBackward(x, weight *Tensor, mean, invStd []float32, training bool, gy *Tensor, grads []*Tensor) {
	gX, gW, gB := grads[0], grads[1], grads[2]
	n, c, plane := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	count := float64(n * plane)
	parallelFor(c, max(1, elementGrain/max(1, n*plane)), func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			bnBackwardChannel(x, weight, mean, invStd, training, gy, gX, gW, gB, ch, count)
		}
	})
}

func bnBackwardChannel(x, weight *Tensor, mean, invStd []float32, training bool, gy, gX, gW, gB *Tensor, ch int, count float64) {
	n, c, plane := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	var sumGy, sumGyXhat float64
	mu, is := mean[ch], invStd[ch]
	for i := 0; i < n; i++ {
		off := (i*c + ch) * plane
		sg, sgd := vecDotDev(gy.Data[off:off+plane], x.Data[off:off+plane], mu)
		sumGy += sg
		sumGyXhat += sgd
	}
	sumGyXhat *= float64(is)
	if gW != nil {
		gW.Data[ch] += float32(sumGyXhat)
	}
	if gB != nil {
		gB.Data[ch] += float32(sumGy)
	}
	if gX == nil {
		return
	}
	w := float32(1)
	if weight != nil {
		w = weight.Data[ch]
	}
	k := w * is
	mGy, mGyXhat := float32(sumGy/count), float32(sumGyXhat/count)
	for i := 0; i < n; i++ {
		off := (i*c + ch) * plane
		g := gy.Data[off : off+plane]
		dst := gX.Data[off : off+plane]
		if !training {
			vecAxpy(dst, g, k)
			continue
		}
		// k*(g - mGy - (x-mu)*is*mGyXhat) = k*g + b*x + (b*(-mu) - k*mGy)
		b := -k * is * mGyXhat
		vecAxpby(dst, g, x.Data[off:off+plane], k, b, -b*mu-k*mGy)
	}
}
