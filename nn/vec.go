package nn

import "math"

// Element-wise loops on float32 slices, the inner loops of ReLU, Add,
// BatchNorm and the gradient accumulations. Each has a plain Go version
// (used for the tail of a vector loop, with the purego tag and on CPUs
// without AVX2) and, on amd64, an AVX2 version (vec_amd64.s) chosen at run
// time. The Go versions are branch-free where the data decides: a
// mispredicted branch per element costs more than the arithmetic.

// vecRelu sets dst[i] = max(src[i], 0); NaN passes through.
func vecRelu(dst, src []float32) {
	src = src[:len(dst)]
	done := 0
	if useVec && len(dst) >= 8 {
		done = len(dst) &^ 7
		reluAVX(&dst[0], &src[0], done)
	}
	for i := done; i < len(dst); i++ {
		u := math.Float32bits(src[i])
		if u&0x7fffffff > 0x7f800000 { // NaN
			dst[i] = src[i]
			continue
		}
		dst[i] = math.Float32frombits(u &^ uint32(int32(u)>>31))
	}
}

// vecAdd sets dst[i] = a[i] + b[i].
func vecAdd(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	done := 0
	if useVec && len(dst) >= 8 {
		done = len(dst) &^ 7
		addAVX(&dst[0], &a[0], &b[0], done)
	}
	for i := done; i < len(dst); i++ {
		dst[i] = a[i] + b[i]
	}
}

// vecAffine sets dst[i] = src[i]*scale + shift, clamped below at 0 when
// relu (NaN passes through). With AVX, the tail (len%8 elements) also runs
// through the fused multiply-add of the vector loop, on a padded copy, so
// that every element is rounded the same way however a tensor is split
// into calls (a fused conv epilogue and BatchNorm2d then agree bit for bit).
func vecAffine(dst, src []float32, scale, shift float32, relu bool) {
	src = src[:len(dst)]
	done := 0
	if useVec {
		done = len(dst) &^ 7
		if done > 0 {
			affineAVX(&dst[0], &src[0], done, scale, shift, relu)
		}
		if rest := len(dst) - done; rest > 0 {
			var buf [8]float32
			copy(buf[:], src[done:])
			affineAVX(&buf[0], &buf[0], 8, scale, shift, relu)
			copy(dst[done:], buf[:rest])
		}
		return
	}
	for i := done; i < len(dst); i++ {
		v := src[i]*scale + shift
		if relu && v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

// vecAxpy adds a*src to dst.
func vecAxpy(dst, src []float32, a float32) {
	src = src[:len(dst)]
	done := 0
	if useVec && len(dst) >= 8 {
		done = len(dst) &^ 7
		axpyAVX(&dst[0], &src[0], done, a)
	}
	for i := done; i < len(dst); i++ {
		dst[i] += a * src[i]
	}
}

// vecReluMask zeroes g[i] where y[i] is not > 0 (y is the ReLU output):
// ReLU's backward in place on its output's gradient.
func vecReluMask(g, y []float32) {
	y = y[:len(g)]
	done := 0
	if useVec && len(g) >= 8 {
		done = len(g) &^ 7
		reluMaskAVX(&g[0], &y[0], done)
	}
	for i := done; i < len(g); i++ {
		if !(y[i] > 0) {
			g[i] = 0
		}
	}
}

// vecReluGrad adds gy[i] to g[i] where y[i] > 0 (y is the ReLU output).
func vecReluGrad(g, gy, y []float32) {
	gy, y = gy[:len(g)], y[:len(g)]
	done := 0
	if useVec && len(g) >= 8 {
		done = len(g) &^ 7
		reluGradAVX(&g[0], &gy[0], &y[0], done)
	}
	for i := done; i < len(g); i++ {
		if y[i] > 0 {
			g[i] += gy[i]
		}
	}
}

// vecSumDev returns sum(x - mu) and sum((x - mu)^2), in float64. The
// vector loop sums in float32 lanes, fine for the plane-sized runs of
// BatchNorm (the caller adds runs up in float64).
func vecSumDev(x []float32, mu float32) (s, ss float64) {
	done := 0
	if useVec && len(x) >= 8 {
		done = len(x) &^ 7
		a, b := sumDevAVX(&x[0], done, mu)
		s, ss = float64(a), float64(b)
	}
	for _, v := range x[done:] {
		d := float64(v - mu)
		s += d
		ss += d * d
	}
	return s, ss
}

// vecDotDev returns sum(g) and sum(g * (x - mu)), in float64.
func vecDotDev(g, x []float32, mu float32) (sg, sgd float64) {
	x = x[:len(g)]
	done := 0
	if useVec && len(g) >= 8 {
		done = len(g) &^ 7
		a, b := dotDevAVX(&g[0], &x[0], done, mu)
		sg, sgd = float64(a), float64(b)
	}
	for i := done; i < len(g); i++ {
		sg += float64(g[i])
		sgd += float64(g[i]) * float64(x[i]-mu)
	}
	return sg, sgd
}

// vecAxpby adds a*g + b*x + c to dst.
func vecAxpby(dst, g, x []float32, a, b, c float32) {
	g, x = g[:len(dst)], x[:len(dst)]
	done := 0
	if useVec && len(dst) >= 8 {
		done = len(dst) &^ 7
		axpbyAVX(&dst[0], &g[0], &x[0], done, a, b, c)
	}
	for i := done; i < len(dst); i++ {
		dst[i] += a*g[i] + b*x[i] + c
	}
}

// vecMax3 sets dst[i] = max(a[i], b[i], c[i]), NaN if any is NaN: the
// vertical step of 3x3 max pooling. Unlike Go's max, the vector loop may
// return -0 for the maximum of +0 and -0 (equal values; PyTorch's pooling
// does not order signed zeros either).
func vecMax3(dst, a, b, c []float32) {
	a, b, c = a[:len(dst)], b[:len(dst)], c[:len(dst)]
	done := 0
	if useVec && len(dst) >= 8 {
		done = len(dst) &^ 7
		max3AVX(&dst[0], &a[0], &b[0], &c[0], done)
	}
	for i := done; i < len(dst); i++ {
		dst[i] = max(a[i], b[i], c[i])
	}
}

// vecEvens sets dst[i] = src[2i], the stride-2 gather of im2col; src must
// hold at least 2*len(dst)-1 elements.
func vecEvens(dst, src []float32) {
	if len(dst) == 0 {
		return
	}
	_ = src[2*len(dst)-2]
	done := 0
	if useVec {
		// The vector loop reads src in whole pairs: 2*done elements.
		done = min(len(dst), len(src)/2) &^ 7
		if done > 0 {
			evensAVX(&dst[0], &src[0], done)
		}
	}
	for i := done; i < len(dst); i++ {
		dst[i] = src[2*i]
	}
}
