package nn

import (
	"fmt"
	"math"
)

// Reduction says how CrossEntropy combines the per-sample losses.
type Reduction int

const (
	// ReduceMean averages over the samples that are not ignored (the default).
	ReduceMean Reduction = iota
	// ReduceSum adds the per-sample losses.
	ReduceSum
	// ReduceNone returns one loss per sample, shape [N].
	ReduceNone
)

// CrossEntropyConfig holds the options of CrossEntropy. The zero value is
// PyTorch's default: mean reduction, no label smoothing, no ignored label.
type CrossEntropyConfig struct {
	Reduction      Reduction
	LabelSmoothing float32 // in [0, 1]: the target becomes (1-s)*onehot + s/C
	IgnoreIndex    *int    // samples with this label contribute nothing
}

// CrossEntropy returns the cross-entropy between logits and integer class
// targets, as torch.nn.functional.cross_entropy, computed stably through
// log-softmax (logits of magnitude 1e8 are fine).
//
//	logits: [N, C]   targets: N labels in [0, C)   y: [] (mean, sum) or [N] (none)
//
// A label outside [0, C) that is not the ignore index panics with a message
// naming it; use CrossEntropyChecked at an API boundary to get an error.
func CrossEntropy(logits *Tensor, targets []int, cfg CrossEntropyConfig) *Tensor {
	if err := checkTargets(logits, targets, cfg); err != nil {
		panic("nn: " + err.Error())
	}
	n, c := logits.Shape[0], logits.Shape[1]
	logp := make([]float32, n*c)
	for i := 0; i < n; i++ {
		logSoftmaxRow(logits.Data[i*c:(i+1)*c], logp[i*c:(i+1)*c])
	}
	ignored := func(i int) bool { return cfg.IgnoreIndex != nil && targets[i] == *cfg.IgnoreIndex }
	s := float64(cfg.LabelSmoothing)
	losses := make([]float64, n)
	kept := 0
	for i := 0; i < n; i++ {
		if ignored(i) {
			continue
		}
		kept++
		row := logp[i*c : (i+1)*c]
		l := -(1 - s) * float64(row[targets[i]])
		if s > 0 {
			var sum float64
			for _, v := range row {
				sum += float64(v)
			}
			l -= s / float64(c) * sum
		}
		losses[i] = l
	}
	var y *Tensor
	var scale []float32 // per-sample weight of the upstream gradient
	switch cfg.Reduction {
	case ReduceNone:
		y = New(n)
		for i, l := range losses {
			y.Data[i] = float32(l)
		}
	default:
		var total float64
		for _, l := range losses {
			total += l
		}
		div := 1.0
		if cfg.Reduction == ReduceMean {
			div = float64(kept) // 0 kept gives NaN, as PyTorch
		}
		y = Scalar(float32(total / div))
		scale = []float32{float32(1 / div)}
	}
	record(y, "CrossEntropy", []*Tensor{logits}, func(gy *Tensor, gx []*Tensor) {
		// d loss_i / d x_ij = softmax_ij - ((1-s)*onehot_ij + s/C)
		for i := 0; i < n; i++ {
			if ignored(i) {
				continue
			}
			var g float32
			if scale == nil {
				g = gy.Data[i]
			} else {
				g = gy.Data[0] * scale[0]
			}
			for j := 0; j < c; j++ {
				t := float32(s / float64(c))
				if j == targets[i] {
					t += float32(1 - s)
				}
				gx[0].Data[i*c+j] += g * (float32(math.Exp(float64(logp[i*c+j]))) - t)
			}
		}
	})
	return y
}

func checkTargets(logits *Tensor, targets []int, cfg CrossEntropyConfig) error {
	if err := logits.Check(); err != nil {
		return fmt.Errorf("CrossEntropy: logits: %w", err)
	}
	if logits.Dim() != 2 || logits.Shape[0] != len(targets) || logits.Shape[1] < 1 {
		return fmt.Errorf("CrossEntropy: logits %v and %d targets do not fit (needs [N, C] with N targets)", logits.Shape, len(targets))
	}
	if !(cfg.LabelSmoothing >= 0 && cfg.LabelSmoothing <= 1) { // also rejects NaN
		return fmt.Errorf("CrossEntropy: label smoothing %v is outside [0, 1]", cfg.LabelSmoothing)
	}
	c := logits.Shape[1]
	for i, t := range targets {
		if cfg.IgnoreIndex != nil && t == *cfg.IgnoreIndex {
			continue
		}
		if t < 0 || t >= c {
			return fmt.Errorf("CrossEntropy: target %d of sample %d is out of range [0, %d)", t, i, c)
		}
	}
	return nil
}

// CrossEntropyChecked is CrossEntropy returning an error, instead of
// panicking, for targets out of range or shapes that do not fit.
func CrossEntropyChecked(logits *Tensor, targets []int, cfg CrossEntropyConfig) (*Tensor, error) {
	if err := checkTargets(logits, targets, cfg); err != nil {
		return nil, err
	}
	return CrossEntropy(logits, targets, cfg), nil
}
