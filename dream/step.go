package dream

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/seedling-ml/seedling/nn"
)

// Eps is added to the mean absolute gradient before dividing by it, so a
// vanishing gradient gives a vanishing step instead of a division by zero.
const Eps = 1e-8

// AscentStep applies one normalised gradient-ascent step in place:
//
//	x[i] += lr * g[i] / (mean(|g|) + Eps)
//
// computed in float64 and rounded once per element. It returns moved=false
// and leaves x bit-for-bit unchanged when g is zero everywhere. A NaN or
// infinite gradient is an error and leaves x unchanged.
func AscentStep(x, g []float32, lr float32) (moved bool, err error) {
	if len(x) != len(g) {
		return false, fmt.Errorf("dream: AscentStep: %d values but %d gradients", len(x), len(g))
	}
	var sum float64
	for i, v := range g {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return false, fmt.Errorf("dream: gradient is %v at element %d", v, i)
		}
		sum += math.Abs(f)
	}
	if sum == 0 {
		return false, nil
	}
	scale := float64(lr) / (sum/float64(len(g)) + Eps)
	for i, v := range g {
		x[i] = float32(float64(x[i]) + scale*float64(v))
	}
	return true, nil
}

// roll shifts every plane of an NCHW tensor circularly by dy rows and dx
// columns (a pixel at (y, x) moves to (y+dy, x+dx) modulo the size), into a
// new tensor.
func roll(t *nn.Tensor, dy, dx int) *nn.Tensor {
	h, w := t.Shape[2], t.Shape[3]
	dy, dx = ((dy%h)+h)%h, ((dx%w)+w)%w
	out := nn.New(t.Shape...)
	for p := 0; p < t.Shape[0]*t.Shape[1]; p++ {
		src, dst := t.Data[p*h*w:(p+1)*h*w], out.Data[p*h*w:(p+1)*h*w]
		for y := 0; y < h; y++ {
			row := dst[((y+dy)%h)*w : ((y+dy)%h+1)*w]
			s := src[y*w : (y+1)*w]
			copy(row[dx:], s[:w-dx])
			copy(row[:dx], s[w-dx:])
		}
	}
	return out
}

// gaussianKernel returns the normalised 1-D Gaussian of standard deviation
// sigma, truncated at 3 sigma (at least radius 1).
func gaussianKernel(sigma float64) []float32 {
	r := max(1, int(math.Ceil(3*sigma)))
	k := make([]float32, 2*r+1)
	var sum float64
	w := make([]float64, len(k))
	for i := range w {
		d := float64(i - r)
		w[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += w[i]
	}
	for i := range k {
		k[i] = float32(w[i] / sum)
	}
	return k
}

// reflect maps an index outside [0, n) back inside by mirroring at the
// borders without repeating the edge (as numpy's "reflect").
func reflect(i, n int) int {
	if n == 1 {
		return 0
	}
	period := 2 * (n - 1)
	i %= period
	if i < 0 {
		i += period
	}
	if i >= n {
		i = period - i
	}
	return i
}

// blur applies a separable Gaussian blur of standard deviation sigma to
// every plane of an NCHW tensor in place, with mirrored borders. A zero
// tensor stays exactly zero. Planes are blurred in parallel.
func blur(t *nn.Tensor, sigma float64) {
	blurAll([]*nn.Tensor{t}, []float64{sigma})
}

// blurAll is blur of ts[i] with sigmas[i] for every i (of any shapes),
// with the planes of all of them shared among the cores at once (smooth's three blurs of
// three planes keep two cores busy better as nine tasks than as three
// rounds of three).
func blurAll(ts []*nn.Tensor, sigmas []float64) {
	type task struct {
		plane []float32
		h, w  int
		k     []float32
	}
	var tasks []task
	maxRow, maxPlane := 0, 0
	for i, t := range ts {
		if sigmas[i] <= 0 {
			continue
		}
		k := gaussianKernel(sigmas[i])
		h, w := t.Shape[2], t.Shape[3]
		maxRow, maxPlane = max(maxRow, w+len(k)-1), max(maxPlane, h*w)
		for p := range t.Shape[0] * t.Shape[1] {
			tasks = append(tasks, task{t.Data[p*h*w : (p+1)*h*w], h, w, k})
		}
	}
	workers := min(len(tasks), runtime.GOMAXPROCS(0))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			row := make([]float32, maxRow)
			tmp := make([]float32, maxPlane)
			for i := int(next.Add(1) - 1); i < len(tasks); i = int(next.Add(1) - 1) {
				t := tasks[i]
				blurPlane(t.plane, t.h, t.w, t.k, row[:t.w+len(t.k)-1], tmp[:t.h*t.w])
			}
		})
	}
	wg.Wait()
}

// blurPlane blurs one h x w plane with kernel k (odd length, centred),
// using row (w+len(k)-1 values) and tmp (h*w) as scratch. Each row is
// mirrored once into row, so the inner loops carry no border tests; the
// sums run over the kernel in order, as a direct convolution would.
func blurPlane(plane []float32, h, w int, k, row, tmp []float32) {
	r := len(k) / 2
	taps := make([][]float32, len(k)) // the source of each tap, w long
	for y := 0; y < h; y++ {
		src := plane[y*w : (y+1)*w]
		for i := range row {
			if j := i - r; j >= 0 && j < w {
				row[i] = src[j]
			} else {
				row[i] = src[reflect(j, w)]
			}
		}
		for j := range k {
			taps[j] = row[j : j+w]
		}
		weightedSum(tmp[y*w:(y+1)*w], taps, k)
	}
	for y := 0; y < h; y++ {
		for j := range k {
			taps[j] = tmp[reflect(y+j-r, h)*w:][:w]
		}
		weightedSum(plane[y*w:(y+1)*w], taps, k)
	}
}

// weightedSum sets dst[x] to the sum over j of k[j]*taps[j][x], in the
// order of j. It sums four neighbouring x at once: four independent
// chains of adds keep the FPU busy where one sum waits on each add.
func weightedSum(dst []float32, taps [][]float32, k []float32) {
	x := 0
	for ; x+4 <= len(dst); x += 4 {
		var s0, s1, s2, s3 float32
		for j, kv := range k {
			v := taps[j][x : x+4 : x+4]
			s0 += kv * v[0]
			s1 += kv * v[1]
			s2 += kv * v[2]
			s3 += kv * v[3]
		}
		dst[x], dst[x+1], dst[x+2], dst[x+3] = s0, s1, s2, s3
	}
	for ; x < len(dst); x++ {
		var s float32
		for j, kv := range k {
			s += kv * taps[j][x]
		}
		dst[x] = s
	}
}

// bounds returns, per channel, the normalised values of pixel values 0 and
// 1, computed as the normalisation computes them ((v - mean) / std in
// float32), so a valid image is never changed by clipping.
func bounds(mean, std [3]float32) (lo, hi [3]float32) {
	for c := range 3 {
		lo[c] = (0 - mean[c]) / std[c]
		hi[c] = (1 - mean[c]) / std[c]
	}
	return lo, hi
}

// clip limits every value of an [N,3,H,W] tensor to its channel's bounds.
func clip(t *nn.Tensor, lo, hi [3]float32) {
	plane := t.Shape[2] * t.Shape[3]
	for p := 0; p < t.Shape[0]*3; p++ {
		c := p % 3
		d := t.Data[p*plane : (p+1)*plane]
		for i, v := range d {
			d[i] = min(max(v, lo[c]), hi[c])
		}
	}
}

// smooth replaces g by the average of three Gaussian blurs of it, of
// standard deviations sigma/2, sigma and 2*sigma: a cascade that damps the
// pixel-level noise of the raw gradient more than one blur of the same
// width while keeping its coarse structure. sigma <= 0 leaves g as it is.
func smooth(g *nn.Tensor, sigma float64) {
	if sigma <= 0 {
		return
	}
	a, b := g.Clone(), g.Clone()
	blurAll([]*nn.Tensor{a, g, b}, []float64{sigma / 2, sigma, 2 * sigma})
	for i := range g.Data {
		g.Data[i] = (a.Data[i] + g.Data[i] + b.Data[i]) / 3
	}
}

// colourCov is C*C^T, with C the square root of the colour correlation of
// ImageNet pixels used by Lucid (color_correlation_svd_sqrt, rows
// (0.26,0.09,0.02), (0.27,0,-0.05), (0.27,-0.09,0.03)). Ascending in the
// decorrelated colour space y of x = C*y moves x by C*C^T times the
// gradient: mostly along the luminance, a little along natural colour
// differences.
var colourCov = [3][3]float32{
	{0.0761, 0.0692, 0.0627},
	{0.0692, 0.0754, 0.0714},
	{0.0627, 0.0714, 0.0819},
}

// decorrelate multiplies the colour vector of every pixel of g by
// colourCov. A zero gradient stays exactly zero.
func decorrelate(g *nn.Tensor) {
	plane := g.Shape[2] * g.Shape[3]
	for n := range g.Shape[0] {
		d := g.Data[n*3*plane : (n+1)*3*plane]
		for i := range plane {
			r, gg, b := d[i], d[plane+i], d[2*plane+i]
			for c := range 3 {
				d[c*plane+i] = colourCov[c][0]*r + colourCov[c][1]*gg + colourCov[c][2]*b
			}
		}
	}
}
