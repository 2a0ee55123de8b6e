package train

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/seedling-ml/seedling/dataset"
)

// splitData is the training and validation data of a run.
type splitData struct {
	train, val *dataset.Dataset
	// how says where val came from, for the log.
	how string
}

// loadData reads cfg.Data: root/train and root/val when both exist, else
// root/train (or root itself) split by cfg.Seed. Files that fail to decode
// are an error listing all of them with cfg.FailOnBadFiles, else left out
// and listed in the returned warnings, with the counts of hidden, non-image
// and stray files skipped.
func loadData(cfg Config) (*splitData, []string, error) {
	policy := []dataset.Option{dataset.WithBadFilePolicy(dataset.SkipBad)}
	if cfg.FailOnBadFiles {
		policy = []dataset.Option{dataset.WithBadFilePolicy(dataset.FailOnBad), dataset.WithScan()}
	}
	opts := append(policy, dataset.WithWorkers(cfg.Workers))
	if cfg.CacheMB > 0 {
		opts = append(opts, dataset.WithCache(int64(cfg.CacheMB)<<20))
	}
	if !isDir(cfg.Data) {
		return nil, nil, &FieldError{Field: "Data", Msg: cfg.Data + " is not a folder"}
	}
	trainDir, valDir := filepath.Join(cfg.Data, "train"), filepath.Join(cfg.Data, "val")
	var (
		d   splitData
		err error
	)
	switch {
	case isDir(trainDir) && isDir(valDir):
		if d.train, err = dataset.ImageFolder(trainDir, opts...); err != nil {
			return nil, nil, fmt.Errorf("train: training data: %w", err)
		}
		vopts := append(opts, dataset.WithClasses(d.train.Classes), dataset.AllowEmptyClasses())
		if d.val, err = dataset.ImageFolder(valDir, vopts...); err != nil {
			return nil, nil, fmt.Errorf("train: validation data: %w", err)
		}
		d.how = valDir
	default:
		root := cfg.Data
		if isDir(trainDir) {
			root = trainDir
		}
		all, err := dataset.ImageFolder(root, opts...)
		if err != nil {
			return nil, nil, fmt.Errorf("train: data: %w", err)
		}
		if d.train, d.val, err = all.Split(cfg.ValFraction, cfg.Seed, true); err != nil {
			return nil, nil, fmt.Errorf("train: splitting %s: %w", root, err)
		}
		d.how = fmt.Sprintf("%.0f%% of %s per class (seed %d)", 100*cfg.ValFraction, root, cfg.Seed)
	}
	if d.train.Len() == 0 {
		return nil, nil, fmt.Errorf("train: %s: no training images", cfg.Data)
	}
	if d.val.Len() == 0 {
		return nil, nil, fmt.Errorf("train: %s: no validation images (%s)", cfg.Data, d.how)
	}
	var warnings []string
	sets := []*dataset.Dataset{d.train, d.val}
	if d.val.Root == d.train.Root {
		sets = sets[:1] // a split: both parts carry the whole folder's report
	}
	for _, ds := range sets {
		for _, b := range ds.Report.Bad {
			warnings = append(warnings, fmt.Sprintf("skipped unreadable image: %v", b.Err))
		}
		if r := ds.Report; r.Hidden+r.NonImage+r.RootFiles > 0 {
			warnings = append(warnings, fmt.Sprintf("%s: skipped %d hidden, %d non-image and %d stray files (outside class folders)",
				ds.Root, r.Hidden, r.NonImage, r.RootFiles))
		}
	}
	return &d, warnings, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// trainPipeline is the augmentation of training images: torchvision's
// RandomResizedCrop(size) and RandomHorizontalFlip with ImageNet
// normalisation.
func trainPipeline(size int) dataset.Pipeline { return dataset.TrainTransform(size) }

// evalPipeline is torchvision's evaluation preprocessing at the given
// size, normalised with mean and std.
func evalPipeline(size int, mean, std [3]float32) dataset.Compose {
	return dataset.EvalTransformNormalized(evalResize(size), size, mean, std)
}
