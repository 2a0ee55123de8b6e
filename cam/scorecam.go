package cam

import (
	"fmt"
	"math"
	"sync"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// scoreJob is one chunk of channels [k0,k1) of image n.
type scoreJob struct{ n, k0, k1 int }

// scoreCAM follows pytorch-grad-cam's ScoreCAM: every channel of the tap is
// upsampled to the input size (bilinear, align_corners=true as torch's
// UpsamplingBilinear2d), min-max normalised to [0,1] (with +1e-8 in the
// denominator), multiplied into the (normalised) input, and the model's
// score of the target on that masked input becomes the channel's score.
// Chunks of opts.ScoreBatch channels run on opts.Workers goroutines, each
// reusing one buffer; the forward passes take an untracked input, so they
// record no graph and share the model safely.
func scoreCAM(m *resnet.ResNet, x *nn.Tensor, opts Options, targets []int) (*Result, error) {
	layer := opts.Layer
	out, err := m.Run(x.Detach(), []string{layer}, false)
	if err != nil {
		return nil, fmt.Errorf("cam: %w", err)
	}
	acts := out.Taps[layer]
	if acts == nil || acts.Dim() != 4 {
		return nil, fmt.Errorf("cam: Score-CAM of layer %q needs a [N,K,h,w] output, got %v", layer, shapeOf(acts))
	}
	if targets == nil {
		targets = argmaxRows(out.Logits)
	}
	n, k, ah, aw := acts.Shape[0], acts.Shape[1], acts.Shape[2], acts.Shape[3]
	h, w := x.Shape[2], x.Shape[3]
	scores := make([]float32, n*k)

	jobs := make(chan scoreJob)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		done     int
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return firstErr != nil
	}
	for range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]float32, opts.ScoreBatch*3*h*w)
			mask := make([]float32, h*w)
			for j := range jobs {
				if failed() {
					continue // drain
				}
				if err := scoreChunk(m, x, acts, j, targets[j.n], opts.ScoreMode, buf, mask, scores[j.n*k:(j.n+1)*k], ah, aw); err != nil {
					fail(err)
					continue
				}
				if opts.Progress != nil {
					mu.Lock()
					done += j.k1 - j.k0
					opts.Progress(done, n*k)
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		for k0 := 0; k0 < k; k0 += opts.ScoreBatch {
			jobs <- scoreJob{i, k0, min(k0+opts.ScoreBatch, k)}
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}

	weights := nn.FromData(scores, n, k)
	if opts.ScoreMode == ScoreLogitSoftmax {
		weights = nn.Softmax(weights)
	}
	res, err := fromWeights(ScoreCAM, layer, acts, weights, true, h, w)
	if err != nil {
		return nil, err
	}
	res.Targets, res.Logits = targets, out.Logits
	return res, nil
}

// scoreChunk fills buf with x[j.n] masked by channels j.k0..j.k1-1 of acts,
// runs the model on them and writes each channel's score into scores[k].
func scoreChunk(m *resnet.ResNet, x, acts *nn.Tensor, j scoreJob, target int, mode ScoreMode, buf, mask, scores []float32, ah, aw int) error {
	c, h, w := x.Shape[1], x.Shape[2], x.Shape[3]
	plane, img := h*w, c*h*w
	k := acts.Shape[1]
	xi := x.Data[j.n*img : (j.n+1)*img]
	b := j.k1 - j.k0
	for q := 0; q < b; q++ {
		ch := j.k0 + q
		src := acts.Data[(j.n*k+ch)*ah*aw : (j.n*k+ch+1)*ah*aw]
		resizeAlignCorners(src, ah, aw, mask, h, w)
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for _, v := range mask {
			lo, hi = min(lo, v), max(hi, v)
		}
		den := hi - lo + 1e-8
		dst := buf[q*img : (q+1)*img]
		for cc := 0; cc < c; cc++ {
			xs, ds := xi[cc*plane:(cc+1)*plane], dst[cc*plane:(cc+1)*plane]
			for p, v := range mask {
				ds[p] = xs[p] * ((v - lo) / den)
			}
		}
	}
	batch := nn.FromData(buf[:b*img], b, c, h, w)
	out, err := m.Run(batch, nil, false)
	if err != nil {
		return fmt.Errorf("cam: Score-CAM forward of image %d channels %d..%d: %w", j.n, j.k0, j.k1-1, err)
	}
	logits := out.Logits
	if mode == ScoreProbability {
		logits = nn.Softmax(logits)
	}
	nc := logits.Shape[1]
	for q := 0; q < b; q++ {
		s := logits.Data[q*nc+target]
		if math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
			return fmt.Errorf("cam: Score-CAM score of image %d channel %d is %v", j.n, j.k0+q, s)
		}
		scores[j.k0+q] = s
	}
	return nil
}
