package train

import (
	"context"
	"fmt"

	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// Evaluation is a model's score on a labelled data set.
type Evaluation struct {
	// Loss is the mean cross-entropy (without label smoothing).
	Loss float64 `json:"loss"`
	// Accuracy is the fraction of images whose top-1 class is right.
	Accuracy float64 `json:"accuracy"`
	// Images is the number of images scored.
	Images int `json:"images"`
	// Confusion[t][p] counts images of true class t predicted as p.
	Confusion [][]int `json:"confusion"`
}

// Evaluate runs m in eval mode (running BatchNorm statistics, no graph)
// over every batch of l (its epoch 0: use a loader without shuffling or
// random transforms) and returns the loss, accuracy and confusion matrix.
// It leaves m in eval mode. Labels must be below m.NumClasses().
func Evaluate(ctx context.Context, m *resnet.ResNet, l *dataset.Loader) (*Evaluation, error) {
	if m == nil || l == nil {
		return nil, fmt.Errorf("train: Evaluate: nil model or loader")
	}
	m.Eval()
	c := m.NumClasses()
	e := &Evaluation{Confusion: make([][]int, c)}
	for i := range e.Confusion {
		e.Confusion[i] = make([]int, c)
	}
	var lossSum float64
	right := 0
	for b, err := range l.Epoch(ctx, 0) {
		if err != nil {
			return nil, fmt.Errorf("train: evaluating: %w", err)
		}
		var out *nn.Tensor
		if err := nn.Try(func() { out = m.Forward(b.Images) }); err != nil {
			return nil, fmt.Errorf("train: evaluating batch %d: %w", b.Number, err)
		}
		loss, err := nn.CrossEntropyChecked(out, b.Labels, nn.CrossEntropyConfig{Reduction: nn.ReduceSum})
		if err != nil {
			return nil, fmt.Errorf("train: evaluating batch %d: %w", b.Number, err)
		}
		lossSum += float64(loss.Item())
		for i, label := range b.Labels {
			p := argmax(out.Data[i*c : (i+1)*c])
			e.Confusion[label][p]++
			if p == label {
				right++
			}
		}
		e.Images += len(b.Labels)
	}
	if e.Images > 0 {
		e.Loss = lossSum / float64(e.Images)
		e.Accuracy = float64(right) / float64(e.Images)
	}
	return e, nil
}

// ClassStats is the validation score of one class.
type ClassStats struct {
	// Class is the class name.
	Class string `json:"class"`
	// Precision is the fraction of images predicted as this class that
	// are of it (0 when none is predicted as it).
	Precision float64 `json:"precision"`
	// Recall is the fraction of this class's images predicted as it (0
	// when the class has no image).
	Recall float64 `json:"recall"`
	// Support is the number of images of the class.
	Support int `json:"support"`
}

// PerClass returns precision and recall for each class of a confusion
// matrix ([true][predicted]); classes names them (indices are used for
// missing names).
func PerClass(confusion [][]int, classes []string) []ClassStats {
	out := make([]ClassStats, len(confusion))
	for k := range confusion {
		name := fmt.Sprint(k)
		if k < len(classes) {
			name = classes[k]
		}
		predicted, support := 0, 0
		for t := range confusion {
			if k < len(confusion[t]) {
				predicted += confusion[t][k]
			}
		}
		for _, n := range confusion[k] {
			support += n
		}
		s := ClassStats{Class: name, Support: support}
		if predicted > 0 {
			s.Precision = float64(confusion[k][k]) / float64(predicted)
		}
		if support > 0 {
			s.Recall = float64(confusion[k][k]) / float64(support)
		}
		out[k] = s
	}
	return out
}

// argmax returns the index of the largest value (the first on ties; NaN
// never wins).
func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] || v[best] != v[best] {
			best = i
		}
	}
	return best
}
