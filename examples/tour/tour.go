package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/resnet"
	"github.com/seedling-ml/seedling/resnet/train"
)

// tour runs the study's steps in order and writes the report. Each step
// adds its pictures and numbers to the report; the page and metrics.json
// are written at the end.
func tour(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	start := time.Now()
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	rep := &report{Config: cfg}
	step := func(name string, fn func() error) error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("stopped before %s: %w", name, err)
		}
		fmt.Fprintf(stderr, "== %s\n", name)
		t0 := time.Now()
		if err := fn(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rep.Timings = append(rep.Timings, timing{Step: name, Seconds: time.Since(t0).Seconds()})
		return nil
	}

	var model *resnet.ResNet
	var meta *resnet.Meta
	var val *dataset.Dataset
	steps := []struct {
		name string
		fn   func() error
	}{
		{"1. the data: montage", func() error { return montage(cfg, rep) }},
		{"2. training ResNet18", func() error {
			var err error
			model, meta, err = trainModel(ctx, cfg, rep, stderr)
			return err
		}},
		{"3. DeepDream on stages 2, 3 and 4", func() error {
			var err error
			if val, err = dataset.ImageFolder(filepath.Join(cfg.Data, "val"), dataset.WithClasses(meta.Classes)); err != nil {
				return err
			}
			return dreams(cfg, model, meta, val, rep, stderr)
		}},
		{"4. inside residual units", func() error { return units(cfg, model, meta, val, rep) }},
		{"5. where the network looks: CAM and Grad-CAM", func() error { return cams(cfg, model, meta, val, rep) }},
	}
	for _, s := range steps {
		if err := step(s.name, s.fn); err != nil {
			return err
		}
	}
	rep.TotalSeconds = time.Since(start).Seconds()
	if err := rep.write(cfg.Out); err != nil {
		return err
	}
	index, _ := filepath.Abs(filepath.Join(cfg.Out, indexFile))
	fmt.Fprintf(stdout, "validation accuracy %.1f%% after %d epochs (%d train / %d val images, %dpx); %.0f s in all\n",
		100*rep.Training.ValAccuracy, len(rep.Training.Epochs), rep.Training.TrainImages, rep.Training.ValImages,
		cfg.Size, rep.TotalSeconds)
	fmt.Fprintf(stdout, "report: %s\n", index)
	return nil
}

// montage draws a few training samples of every class.
func montage(cfg config, rep *report) error {
	ds, err := dataset.ImageFolder(filepath.Join(cfg.Data, "train"))
	if err != nil {
		return err
	}
	img, err := dataset.Montage(ds, cfg.MontagePerClass, 96, cfg.Seed)
	if err != nil {
		return err
	}
	rep.Montage = figure{File: "montage.png", Caption: fmt.Sprintf(
		"%d random training images of each of the %d classes (%d training images in all).",
		cfg.MontagePerClass, len(ds.Classes), ds.Len())}
	return dataset.SavePNG(filepath.Join(cfg.Out, rep.Montage.File), img)
}

// trainModel trains the network (or fine-tunes it from -weights) and
// reloads the checkpoint it wrote, so that the later steps use exactly
// what a user would load.
func trainModel(ctx context.Context, cfg config, rep *report, stderr io.Writer) (*resnet.ResNet, *resnet.Meta, error) {
	dir := filepath.Join(cfg.Out, "train")
	res, err := train.Run(ctx, train.Config{
		Data: cfg.Data, Weights: cfg.Weights, InputSize: cfg.Size, Epochs: cfg.Epochs,
		BatchSize: cfg.Batch, Seed: cfg.Seed, Out: dir, Optimizer: cfg.Optimizer, LR: cfg.LR,
		Overwrite: true, // the tour rewrites its whole report folder on every run
	}, stderr)
	if err != nil {
		return nil, nil, err
	}
	rep.Training = res
	rep.Curves = figure{File: "train/" + train.CurvesFile, Caption: "Loss and accuracy per epoch, training (augmented) and validation."}
	rep.Confusion = figure{File: "train/" + train.ConfusionFile, Caption: "Validation confusion matrix after the last epoch (rows: true class, columns: predicted)."}
	m, meta, _, err := resnet.LoadCheckpoint(res.Checkpoint)
	if err != nil {
		return nil, nil, err
	}
	return m, meta, nil
}
