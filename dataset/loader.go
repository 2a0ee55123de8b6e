package dataset

import (
	"context"
	"fmt"
	"image"
	"iter"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/seedling-ml/seedling/nn"
)

// Pipeline turns one decoded image into a [3,H,W] tensor; Compose is one.
type Pipeline interface {
	Apply(img *image.RGBA, rng *rand.Rand) (*nn.Tensor, error)
}

// LoaderConfig configures a Loader. The zero value of each field is a
// documented default.
type LoaderConfig struct {
	// BatchSize is the number of samples per batch (default 1).
	BatchSize int
	// Shuffle draws a new sample order for every epoch from Seed and the
	// epoch number; otherwise samples come in dataset order.
	Shuffle bool
	// DropLast leaves out a last batch smaller than BatchSize.
	DropLast bool
	// Seed fixes the order and every random transform: a given
	// (Seed, epoch) gives the same batches whatever Workers is.
	Seed uint64
	// Workers is the number of goroutines that decode and transform
	// (default GOMAXPROCS).
	Workers int
	// Prefetch is the number of batches prepared ahead of the consumer
	// (default 2); it bounds the loader's memory.
	Prefetch int
	// Transform turns each image into a tensor (default: ToTensor only).
	// All samples of a batch must come out the same size.
	Transform Pipeline
}

// Loader yields batches of a Dataset, decoding and augmenting in parallel
// ahead of the consumer, like torch.utils.data.DataLoader.
type Loader struct {
	ds  *Dataset
	cfg LoaderConfig
}

// Batch is a batch of samples.
type Batch struct {
	// Images is the [N,3,H,W] input tensor.
	Images *nn.Tensor
	// Labels holds the N class labels.
	Labels []int
	// Indices holds the N dataset indices (into Dataset.Samples).
	Indices []int
	// Number is the batch's position in the epoch, from 0.
	Number int
}

// NewLoader checks cfg and returns a loader over ds.
func NewLoader(ds *Dataset, cfg LoaderConfig) (*Loader, error) {
	if ds == nil {
		return nil, fmt.Errorf("dataset: NewLoader: nil dataset")
	}
	if cfg.BatchSize < 0 || cfg.Workers < 0 || cfg.Prefetch < 0 {
		return nil, fmt.Errorf("dataset: NewLoader: negative BatchSize, Workers or Prefetch in %+v", cfg)
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 1
	}
	if cfg.Workers == 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Prefetch == 0 {
		cfg.Prefetch = 2
	}
	if cfg.Transform == nil {
		cfg.Transform = Compose{}
	}
	return &Loader{ds: ds, cfg: cfg}, nil
}

// Dataset returns the loader's dataset.
func (l *Loader) Dataset() *Dataset { return l.ds }

// NumBatches returns the number of batches in an epoch.
func (l *Loader) NumBatches() int {
	n, b := l.ds.Len(), l.cfg.BatchSize
	if l.cfg.DropLast {
		return n / b
	}
	return (n + b - 1) / b
}

// Order returns the dataset indices in the order epoch visits them.
func (l *Loader) Order(epoch int) []int {
	n := l.ds.Len()
	if l.cfg.Shuffle {
		return epochRand(l.cfg.Seed, epoch).Perm(n)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	return order
}

// pending is a batch being prepared.
type pending struct {
	number  int
	indices []int
	out     []*nn.Tensor
	errs    []error
	left    atomic.Int32
	done    chan struct{}
}

type job struct {
	p    *pending
	slot int
}

// Epoch returns the batches of one epoch, in order. A sample that fails
// (a bad file, a transform error, a size mismatch) ends the sequence with an
// error naming the file, after the batches before it; cancelling ctx ends it
// with ctx's error. Breaking out of the loop stops the workers.
//
// Sample i of the epoch is transformed with SampleRand(Seed, epoch, i's
// dataset index), so the batches depend only on Seed and epoch.
func (l *Loader) Epoch(ctx context.Context, epoch int) iter.Seq2[*Batch, error] {
	return func(yield func(*Batch, error) bool) {
		if l.ds.Len() == 0 {
			yield(nil, errNoSamples)
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer func() { cancel(); wg.Wait() }()

		order := l.Order(epoch)
		jobs := make(chan job)
		queue := make(chan *pending, l.cfg.Prefetch)
		for range l.cfg.Workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l.work(ctx, epoch, jobs)
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(queue)
			defer close(jobs)
			l.produce(ctx, order, queue, jobs)
		}()

		for p := range queue {
			select {
			case <-p.done:
			case <-ctx.Done():
				yield(nil, ctx.Err())
				return
			}
			b, err := l.assemble(p)
			if !yield(b, err) || err != nil {
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(nil, err)
		}
	}
}

// produce queues the epoch's batches in order and hands their samples to
// the workers; the queue's capacity bounds the batches in flight.
func (l *Loader) produce(ctx context.Context, order []int, queue chan<- *pending, jobs chan<- job) {
	bs := l.cfg.BatchSize
	for n := 0; n < l.NumBatches(); n++ {
		idx := order[n*bs : min((n+1)*bs, len(order))]
		p := &pending{number: n, indices: idx, out: make([]*nn.Tensor, len(idx)),
			errs: make([]error, len(idx)), done: make(chan struct{})}
		p.left.Store(int32(len(idx)))
		select {
		case queue <- p:
		case <-ctx.Done():
			return
		}
		for s := range idx {
			select {
			case jobs <- job{p, s}:
			case <-ctx.Done():
				return
			}
		}
	}
}

// work decodes and transforms samples until jobs closes or ctx ends.
func (l *Loader) work(ctx context.Context, epoch int, jobs <-chan job) {
	for {
		select {
		case <-ctx.Done():
			return
		case j, ok := <-jobs:
			if !ok {
				return
			}
			i := j.p.indices[j.slot]
			j.p.out[j.slot], j.p.errs[j.slot] = l.sample(i, epoch)
			if j.p.left.Add(-1) == 0 {
				close(j.p.done)
			}
		}
	}
}

// sample returns the transformed tensor of dataset index i, never panicking.
func (l *Loader) sample(i, epoch int) (t *nn.Tensor, err error) {
	path := l.ds.Samples[i].Path
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("dataset: %s: transform panicked: %v", path, r)
		}
	}()
	img, err := l.ds.Image(i)
	if err != nil {
		return nil, err
	}
	t, err = l.cfg.Transform.Apply(img, SampleRand(l.cfg.Seed, epoch, i))
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: %w", path, err)
	}
	if len(t.Shape) != 3 {
		return nil, fmt.Errorf("dataset: %s: transform gave shape %v, want [C,H,W]", path, t.Shape)
	}
	return t, nil
}

// assemble stacks a finished batch, or returns its first error.
func (l *Loader) assemble(p *pending) (*Batch, error) {
	for _, err := range p.errs {
		if err != nil {
			return nil, err
		}
	}
	first := p.out[0]
	for s, t := range p.out {
		if !nn.SameShape(t.Shape, first.Shape) {
			return nil, fmt.Errorf("dataset: batch %d: %s gives shape %v but %s gives %v (add a Resize/CenterCrop so all samples match)",
				p.number, l.ds.Samples[p.indices[s]].Path, t.Shape, l.ds.Samples[p.indices[0]].Path, first.Shape)
		}
	}
	images, err := Stack(p.out)
	if err != nil {
		return nil, err
	}
	labels := make([]int, len(p.indices))
	for s, i := range p.indices {
		labels[s] = l.ds.Samples[i].Label
	}
	return &Batch{Images: images, Labels: labels, Indices: append([]int(nil), p.indices...), Number: p.number}, nil
}
