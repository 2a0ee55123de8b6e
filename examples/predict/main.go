// Command predict classifies images with a checkpoint written by
// examples/finetune (-model out/finetune/model.safetensors), using the
// preprocessing the model was validated with, or with torchvision-format
// weights (-weights resnet18.pth, ImageNet preprocessing at 224 px). Its
// arguments are image files, folders of images, or ImageFolder trees
// (class sub-folders named after the model's classes); for a tree it also
// reports the accuracy, per-class precision and recall, and the confusion
// matrix. Without arguments it classifies the val tree of the bundled
// data/seedlings-mini (found from any folder of the repository), and says
// so on stderr.
//
//	go run ./examples/predict -model out/finetune/model.safetensors leaf.png more-photos/
//	go run ./examples/predict -model out/finetune/model.safetensors -top 1 -json photos/ > predictions.jsonl
//	go run ./examples/predict -model out/scratch80/model.safetensors ../shared/data/seedlings/val
//	go run ./examples/predict -model out/finetune/model.safetensors
//	go run ./examples/predict -weights my-resnet18-seedlings.pth ../shared/data/seedlings/val
//
// torchvision weights carry no class names: when an argument is an
// ImageFolder tree with as many class folders as the weights have
// outputs, the sorted folder names (the labels ImageFolder gives) name the
// classes, and stderr says so; otherwise the classes are "0", "1", ...
//
// Text output is one line per image with the top -top classes; -json
// writes one object per image instead, {"path", "label", "top": [{"class",
// "prob"}, ...]} plus "true" for the images of a tree, and the tree reports
// go to stderr.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/examples/internal/bundled"
	"github.com/seedling-ml/seedling/examples/internal/cli"
	"github.com/seedling-ml/seedling/examples/internal/modelflags"
	"github.com/seedling-ml/seedling/resnet/train"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		stop()
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, cli.ErrorLine("predict", err))
		os.Exit(1)
	}
}

// options are the parsed flags.
type options struct {
	top    int
	json   bool
	stdout io.Writer
	stderr io.Writer
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: predict -model FILE | -weights FILE [flags] [IMAGE|FOLDER|TREE ...]  (default: the bundled "+bundled.Rel+"/val tree)")
		fs.PrintDefaults()
	}
	model := modelflags.Register(fs)
	top := fs.Int("top", 3, "number of classes to print per image (0: all)")
	asJSON := fs.Bool("json", false, "write one JSON object per image to stdout; tree reports go to stderr")
	batch := fs.Int("batch", 16, "images per forward pass")
	workers := fs.Int("workers", 0, "goroutines decoding images (default: GOMAXPROCS)")
	failBad := fs.Bool("fail-on-bad-files", false, "stop at the first image that cannot be decoded (default: leave it out with a warning, as finetune does)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := model.Check(); err != nil {
		return err
	}
	switch {
	case *top < 0:
		return fmt.Errorf("-top %d must be >= 0", *top)
	case *batch < 1:
		return fmt.Errorf("-batch %d must be >= 1", *batch)
	case *workers < 0:
		return fmt.Errorf("-workers %d must be >= 0", *workers)
	}
	paths := fs.Args()
	if len(paths) == 0 {
		val, err := bundled.Path("val")
		if err != nil {
			return fmt.Errorf("no image, folder or ImageFolder tree given, and %w", err)
		}
		fmt.Fprintf(stderr, "predict: no images given; classifying the bundled val tree %s\n", val)
		paths = []string{val}
	}
	p, err := loadPredictor(model, paths, stderr)
	if err != nil {
		return err
	}
	p.BatchSize, p.Workers, p.SkipBadFiles = *batch, *workers, !*failBad
	o := options{top: *top, json: *asJSON, stdout: stdout, stderr: stderr}

	var files []string // image arguments, classified together
	flush := func() error {
		for pr, err := range p.PredictFiles(ctx, files) {
			var skipped *train.SkippedFileError
			if errors.As(err, &skipped) {
				fmt.Fprintf(stderr, "predict: skipped unreadable image: %v\n", err)
				continue
			}
			if err != nil {
				return err
			}
			if err := o.print(pr); err != nil {
				return err
			}
		}
		files = nil
		return nil
	}
	for _, arg := range paths {
		st, err := os.Stat(arg)
		if err != nil {
			return err
		}
		if !st.IsDir() {
			files = append(files, arg)
			continue
		}
		tree, images, err := inspectDir(arg, p.Classes())
		if err != nil {
			return err
		}
		if !tree {
			files = append(files, images...)
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		ev, err := p.EvaluateFolder(ctx, arg, o.print)
		if err != nil {
			return err
		}
		for _, b := range ev.Bad {
			fmt.Fprintf(stderr, "predict: skipped unreadable image: %v\n", b.Err)
		}
		report := o.stdout
		if o.json {
			report = o.stderr
		}
		printReport(report, ev)
	}
	return flush()
}

// loadPredictor builds the predictor the model flags describe. A
// checkpoint names its classes; for torchvision weights, the first of
// paths that is an ImageFolder tree with one class folder per output
// names them.
func loadPredictor(mf *modelflags.Flags, paths []string, stderr io.Writer) (*train.Predictor, error) {
	if mf.Weights == "" && mf.Arch == "" {
		return train.LoadPredictor(mf.Model) // its errors name the file
	}
	m, meta, err := mf.Load()
	if err != nil {
		return nil, err
	}
	if modelflags.NumericNames(meta.Classes) {
		named := false
		for _, path := range paths {
			ds, err := dataset.ImageFolder(path)
			if err != nil || len(ds.Classes) != len(meta.Classes) {
				continue
			}
			fmt.Fprintf(stderr, "predict: the weights have no class names; using the %d folder names of %s\n", len(ds.Classes), path)
			meta.Classes, named = ds.Classes, true
			break
		}
		if !named {
			fmt.Fprintf(stderr, "predict: the weights have no class names; classes are printed as indices 0..%d\n", len(meta.Classes)-1)
		}
	}
	return train.NewPredictor(m, *meta)
}

// inspectDir says whether dir is an ImageFolder tree of the classes (it
// has a sub-folder named after one of them), and otherwise lists the image
// files directly inside it.
func inspectDir(dir string, classes []string) (bool, []string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, nil, err
	}
	var images, others []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		if e.IsDir() {
			if slices.Contains(classes, name) {
				return true, nil, nil
			}
			others = append(others, name)
			continue
		}
		if slices.Contains(dataset.DefaultExtensions, strings.ToLower(filepath.Ext(name))) {
			images = append(images, filepath.Join(dir, name))
		}
	}
	if len(images) == 0 {
		if len(others) > 0 {
			return false, nil, fmt.Errorf("%s: no images, and its sub-folders %q are not classes of the model (%s)",
				dir, others, strings.Join(classes, ", "))
		}
		return false, nil, fmt.Errorf("%s: no images (extensions %s)", dir, strings.Join(dataset.DefaultExtensions, " "))
	}
	return false, images, nil
}

// print writes one prediction as text or as a JSON line.
func (o options) print(pr *train.Prediction) error {
	pr.Truncate(o.top)
	if o.json {
		type entry struct {
			Class string  `json:"class"`
			Prob  float32 `json:"prob"`
		}
		row := struct {
			Path  string  `json:"path"`
			Label string  `json:"label"`
			True  string  `json:"true,omitempty"`
			Top   []entry `json:"top"`
		}{Path: pr.Path, Label: pr.Label, True: pr.True}
		for _, t := range pr.Top {
			row.Top = append(row.Top, entry{t.Class, t.Prob})
		}
		return json.NewEncoder(o.stdout).Encode(row)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", pr.Path, pr.Label)
	if pr.True != "" {
		mark := "right"
		if pr.True != pr.Label {
			mark = "WRONG, is " + pr.True
		}
		fmt.Fprintf(&b, " (%s)", mark)
	}
	b.WriteString("  ")
	for i, t := range pr.Top {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %.1f%%", t.Class, 100*t.Prob)
	}
	_, err := fmt.Fprintln(o.stdout, b.String())
	return err
}

// printReport writes a tree's accuracy, per-class scores and confusion
// matrix.
func printReport(w io.Writer, ev *train.FolderEvaluation) {
	right := 0
	for i := range ev.Confusion {
		right += ev.Confusion[i][i]
	}
	fmt.Fprintf(w, "\n%s: accuracy %.1f%% (%d of %d images)\n", ev.Root, 100*ev.Accuracy, right, ev.Images)
	if len(ev.Bad) > 0 {
		fmt.Fprintf(w, "(%d unreadable images left out)\n", len(ev.Bad))
	}
	width := 5
	for _, c := range ev.Classes {
		width = max(width, len(c))
	}
	fmt.Fprintf(w, "%-*s  %2s  %9s  %6s  %7s\n", width, "class", "#", "precision", "recall", "images")
	for k, s := range ev.PerClass {
		fmt.Fprintf(w, "%-*s  %2d  %8.1f%%  %5.1f%%  %7d\n", width, s.Class, k, 100*s.Precision, 100*s.Recall, s.Support)
	}
	fmt.Fprintf(w, "confusion matrix (rows: true class, columns: predicted, by #):\n%-*s  ", width+4, "")
	for k := range ev.Classes {
		fmt.Fprintf(w, "%4d", k)
	}
	fmt.Fprintln(w)
	for t, row := range ev.Confusion {
		fmt.Fprintf(w, "%-*s  %2d  ", width, ev.Classes[t], t)
		for _, n := range row {
			fmt.Fprintf(w, "%4d", n)
		}
		fmt.Fprintln(w)
	}
}
