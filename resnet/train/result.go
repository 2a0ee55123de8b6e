package train

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/seedling-ml/seedling/nn"
)

// EpochStats are the numbers of one epoch.
type EpochStats struct {
	// Epoch counts from 1.
	Epoch int `json:"epoch"`
	// TrainLoss and TrainAccuracy are averaged over the epoch's training
	// batches, measured as they were trained on (augmented, before each
	// step's update, with label smoothing in the loss).
	TrainLoss     float64 `json:"train_loss"`
	TrainAccuracy float64 `json:"train_accuracy"`
	// ValLoss and ValAccuracy are measured after the epoch, in eval mode.
	ValLoss     float64 `json:"val_loss"`
	ValAccuracy float64 `json:"val_accuracy"`
	// ImagesPerSec is the training throughput (forward, backward and
	// update, data loading included; evaluation excluded).
	ImagesPerSec float64 `json:"images_per_sec"`
	// Seconds is the epoch's training time; EvalSeconds its evaluation's.
	Seconds     float64 `json:"seconds"`
	EvalSeconds float64 `json:"eval_seconds"`
	// LR is the head's learning rate at the epoch's last step.
	LR float64 `json:"lr"`
	// Steps is the number of optimizer steps done by the end of the epoch.
	Steps int `json:"steps"`
}

// Result is what a run produced; it is also written as metrics.json.
type Result struct {
	// Classes are the class names in label order.
	Classes []string `json:"classes"`
	// Epochs holds every epoch's numbers, resumed ones included.
	Epochs []EpochStats `json:"epochs"`
	// PerClass and Confusion ([true][predicted]) are the last epoch's
	// validation scores.
	PerClass  []ClassStats `json:"per_class"`
	Confusion [][]int      `json:"confusion"`
	// ValAccuracy and ValLoss are the last epoch's.
	ValAccuracy float64 `json:"val_accuracy"`
	ValLoss     float64 `json:"val_loss"`
	// TrainImages and ValImages count the images used.
	TrainImages int `json:"train_images"`
	ValImages   int `json:"val_images"`
	// Validation says where the validation images came from.
	Validation string `json:"validation"`
	// Checkpoint is the path of model.safetensors.
	Checkpoint string `json:"checkpoint"`
	// Config is the run's configuration with defaults applied.
	Config Config `json:"config"`
}

// writeMetrics writes r as indented JSON to path, atomically.
func writeMetrics(path string, r *Result) error {
	err := nn.WriteFileAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	})
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}
