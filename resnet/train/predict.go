package train

import (
	"context"
	"fmt"
	"image"
	"iter"
	"slices"
	"sort"

	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// Predictor classifies images with a checkpoint written by Run: it applies
// the checkpoint's evaluation preprocessing (shorter side resized to
// InputSize*256/224, centre crop of InputSize, the saved mean and std) and
// returns class probabilities. Its methods must not be called
// concurrently.
type Predictor struct {
	model    *resnet.ResNet
	meta     resnet.Meta
	source   string
	pipeline dataset.Compose
	// BatchSize is the number of images run at once by PredictFiles and
	// EvaluateFolder (default 16).
	BatchSize int
	// Workers is the number of goroutines decoding images (default
	// GOMAXPROCS).
	Workers int
	// SkipBadFiles leaves out the files that cannot be decoded, as
	// finetune does, instead of stopping at the first: PredictFiles
	// yields an error for each of them and goes on, EvaluateFolder lists
	// them in FolderEvaluation.Bad and scores the rest. Every file is then
	// decoded once more, up front.
	SkipBadFiles bool
}

// LoadPredictor reads a checkpoint (model.safetensors written by Run or
// resnet.SaveCheckpoint). Errors name the file.
func LoadPredictor(path string) (*Predictor, error) {
	m, meta, _, err := resnet.LoadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	p, err := NewPredictor(m, *meta)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	p.source = path
	return p, nil
}

// NewPredictor returns a Predictor for a model and its checkpoint meta,
// which must name one class per output and give the input size.
func NewPredictor(m *resnet.ResNet, meta resnet.Meta) (*Predictor, error) {
	if m == nil {
		return nil, fmt.Errorf("train: NewPredictor: nil model")
	}
	if len(meta.Classes) != m.NumClasses() {
		return nil, fmt.Errorf("train: NewPredictor: %d class names for a model with %d outputs", len(meta.Classes), m.NumClasses())
	}
	if meta.InputSize < 1 {
		return nil, fmt.Errorf("train: NewPredictor: input size %d is not positive", meta.InputSize)
	}
	m.Eval()
	return &Predictor{model: m, meta: meta, source: "model",
		pipeline: evalPipeline(meta.InputSize, meta.Mean, meta.Std)}, nil
}

// Classes returns the class names in label order.
func (p *Predictor) Classes() []string { return slices.Clone(p.meta.Classes) }

// InputSize returns the side of the square input in pixels.
func (p *Predictor) InputSize() int { return p.meta.InputSize }

// Model returns the model (in eval mode).
func (p *Predictor) Model() *resnet.ResNet { return p.model }

// Preprocess returns the evaluation preprocessing of the checkpoint, which
// turns an image into the [3,InputSize,InputSize] input of the model.
func (p *Predictor) Preprocess() dataset.Pipeline { return p.pipeline }

// ClassProb is one class and its probability.
type ClassProb struct {
	// Class is the class name and Index its label.
	Class string `json:"class"`
	Index int    `json:"index"`
	// Prob is the softmax probability, in [0, 1].
	Prob float32 `json:"prob"`
}

// Prediction is the classification of one image.
type Prediction struct {
	// Path is the image file ("" for PredictImage).
	Path string `json:"path"`
	// Label is the most probable class.
	Label string `json:"label"`
	// Top lists every class from the most probable down (Truncate shortens
	// it).
	Top []ClassProb `json:"top"`
	// True is the class of the image's folder, for EvaluateFolder.
	True string `json:"true,omitempty"`
	// Probs holds the probability of each class, in label order.
	Probs []float32 `json:"-"`
}

// Truncate keeps the k most probable classes in Top (all when k <= 0 or k
// exceeds the number of classes).
func (pr *Prediction) Truncate(k int) {
	if k > 0 && k < len(pr.Top) {
		pr.Top = pr.Top[:k]
	}
}

// newPrediction ranks the probabilities of one image.
func (p *Predictor) newPrediction(path string, probs []float32) *Prediction {
	pr := &Prediction{Path: path, Probs: slices.Clone(probs)}
	for i, v := range probs {
		pr.Top = append(pr.Top, ClassProb{Class: p.meta.Classes[i], Index: i, Prob: v})
	}
	sort.SliceStable(pr.Top, func(a, b int) bool { return pr.Top[a].Prob > pr.Top[b].Prob })
	pr.Label = pr.Top[0].Class
	return pr
}

// probabilities runs the model on a batch and returns the softmax rows.
func (p *Predictor) probabilities(x *nn.Tensor) ([]float32, error) {
	var out *nn.Tensor
	if err := nn.Try(func() { out = nn.Softmax(p.model.Forward(x)) }); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// PredictImage classifies one decoded image.
func (p *Predictor) PredictImage(img image.Image) (*Prediction, error) {
	if img == nil || img.Bounds().Empty() {
		return nil, fmt.Errorf("train: PredictImage: empty image")
	}
	// The same straight-colour RGB that files get: alpha dropped, not
	// composited onto black.
	x, err := p.pipeline.Apply(dataset.ToRGB(img), nil)
	if err != nil {
		return nil, fmt.Errorf("train: PredictImage: %w", err)
	}
	probs, err := p.probabilities(x.Reshape(append([]int{1}, x.Shape...)...))
	if err != nil {
		return nil, fmt.Errorf("train: PredictImage: %w", err)
	}
	return p.newPrediction("", probs), nil
}

// PredictFile classifies one image file. Errors name the file.
func (p *Predictor) PredictFile(path string) (*Prediction, error) {
	x, err := dataset.LoadImageTensorWith(path, p.pipeline, dataset.DecodeOptions{})
	if err != nil {
		return nil, err
	}
	probs, err := p.probabilities(x)
	if err != nil {
		return nil, fmt.Errorf("train: %s: %w", path, err)
	}
	return p.newPrediction(path, probs), nil
}

// SkippedFileError is the error PredictFiles yields, with SkipBadFiles,
// for a file it leaves out because it cannot be decoded; the sequence
// goes on after it.
type SkippedFileError struct {
	dataset.BadFile
}

// Error returns the decode error, which names the file.
func (e *SkippedFileError) Error() string { return e.Err.Error() }

// Unwrap returns the decode error.
func (e *SkippedFileError) Unwrap() error { return e.Err }

// PredictFiles classifies image files in batches, decoding ahead in
// parallel, and yields their predictions in order. A file that cannot be
// read ends the sequence with an error naming it; with SkipBadFiles, every
// file is decoded once more (in parallel) when the sequence starts, a
// *SkippedFileError for each bad one comes first (sorted by path) and the
// predictions of the others follow.
func (p *Predictor) PredictFiles(ctx context.Context, paths []string) iter.Seq2[*Prediction, error] {
	return func(yield func(*Prediction, error) bool) {
		ds := &dataset.Dataset{Classes: p.meta.Classes}
		for _, path := range paths {
			ds.Samples = append(ds.Samples, dataset.Sample{Path: path})
		}
		if p.SkipBadFiles && len(paths) > 0 {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			// Decoded in parallel, once, before the first batch.
			bad := ds.Scan(p.Workers)
			skip := map[string]bool{}
			for _, b := range bad {
				if !yield(nil, &SkippedFileError{b}) {
					return
				}
				skip[b.Path] = true
			}
			ds.Samples = slices.DeleteFunc(ds.Samples, func(s dataset.Sample) bool { return skip[s.Path] })
		}
		p.predictDataset(ctx, ds, false)(yield)
	}
}

// predictDataset yields the predictions of every sample of ds, with True
// set to the sample's class when labelled (ds then has the model's classes).
func (p *Predictor) predictDataset(ctx context.Context, ds *dataset.Dataset, labelled bool) iter.Seq2[*Prediction, error] {
	return func(yield func(*Prediction, error) bool) {
		if ds.Len() == 0 {
			return
		}
		bs := p.BatchSize
		if bs < 1 {
			bs = 16
		}
		l, err := dataset.NewLoader(ds, dataset.LoaderConfig{BatchSize: bs, Workers: max(p.Workers, 0), Transform: p.pipeline})
		if err != nil {
			yield(nil, err)
			return
		}
		c := len(p.meta.Classes)
		for b, err := range l.Epoch(ctx, 0) {
			if err != nil {
				yield(nil, err)
				return
			}
			probs, err := p.probabilities(b.Images)
			if err != nil {
				yield(nil, fmt.Errorf("train: %s: %w", ds.Samples[b.Indices[0]].Path, err))
				return
			}
			for i, idx := range b.Indices {
				pr := p.newPrediction(ds.Samples[idx].Path, probs[i*c:(i+1)*c])
				if labelled {
					pr.True = ds.Classes[ds.Samples[idx].Label]
				}
				if !yield(pr, nil) {
					return
				}
			}
		}
	}
}

// FolderEvaluation is the score of a checkpoint on a labelled ImageFolder
// tree.
type FolderEvaluation struct {
	// Root is the folder evaluated.
	Root string `json:"root"`
	// Classes are the checkpoint's classes, the rows and columns of
	// Confusion.
	Classes []string `json:"classes"`
	// Accuracy is the fraction of images whose top class is their folder's.
	Accuracy float64 `json:"accuracy"`
	// Images is the number of images scored.
	Images int `json:"images"`
	// Confusion[t][p] counts images of class t predicted as p.
	Confusion [][]int `json:"confusion"`
	// PerClass holds each class's precision and recall.
	PerClass []ClassStats `json:"per_class"`
	// Predictions holds every image's prediction, in folder order.
	Predictions []*Prediction `json:"-"`
	// Bad lists the files left out because they could not be decoded
	// (with Predictor.SkipBadFiles).
	Bad []dataset.BadFile `json:"-"`
}

// EvaluateFolder classifies every image of an ImageFolder tree whose class
// folders are named after the checkpoint's classes (a subset of them is
// fine; a folder of another name is an error), and returns the accuracy,
// the confusion matrix and every prediction. Each prediction is also passed
// to each, when it is not nil, as soon as it is made.
func (p *Predictor) EvaluateFolder(ctx context.Context, root string, each func(*Prediction) error) (*FolderEvaluation, error) {
	opts := []dataset.Option{dataset.WithClasses(p.meta.Classes), dataset.AllowEmptyClasses()}
	if p.SkipBadFiles {
		opts = append(opts, dataset.WithBadFilePolicy(dataset.SkipBad))
	}
	ds, err := dataset.ImageFolder(root, opts...)
	if err != nil {
		return nil, fmt.Errorf("train: %s: not an ImageFolder tree of the classes of %s: %w", root, p.source, err)
	}
	if ds.Len() == 0 {
		return nil, fmt.Errorf("train: %s: no images in its class folders", root)
	}
	c := len(p.meta.Classes)
	ev := &FolderEvaluation{Root: root, Classes: p.Classes(), Confusion: make([][]int, c), Bad: ds.Report.Bad}
	for i := range ev.Confusion {
		ev.Confusion[i] = make([]int, c)
	}
	right := 0
	for pr, err := range p.predictDataset(ctx, ds, true) {
		if err != nil {
			return nil, err
		}
		t, q := ds.ClassToIdx[pr.True], pr.Top[0].Index
		ev.Confusion[t][q]++
		if t == q {
			right++
		}
		ev.Predictions = append(ev.Predictions, pr)
		if each != nil {
			if err := each(pr); err != nil {
				return nil, err
			}
		}
	}
	ev.Images = len(ev.Predictions)
	ev.Accuracy = float64(right) / float64(ev.Images)
	ev.PerClass = PerClass(ev.Confusion, ev.Classes)
	return ev, nil
}
