// Package train fine-tunes or trains a ResNet on an ImageFolder tree, the
// way torchvision's transfer-learning tutorial does, in pure Go.
//
// Run takes a Config (every zero field is a documented default), trains
// for Config.Epochs with RandomResizedCrop and flip augmentation, SGD with
// momentum or AdamW, a one-epoch warm-up and cosine decay, and after every
// epoch evaluates on the validation images and writes to Config.Out:
//
//   - model.safetensors: the model with its class names, input size and
//     normalisation (a resnet checkpoint), plus the optimizer state and the
//     run's configuration, so that Config.Resume can continue it. It is
//     replaced atomically.
//   - metrics.json: the Result (per-epoch losses, accuracies and images/s,
//     the final validation accuracy, per-class precision and recall, the
//     confusion matrix and the class names).
//   - curves.png and confusion.png: the learning curves and the
//     validation confusion matrix.
//
// A run is deterministic in Config.Seed: a run resumed after epoch k ends
// with the same weights, bit for bit, as one that was not interrupted. A
// NaN or infinite loss or gradient stops a run with a *NonFiniteError,
// keeping the last good checkpoint.
//
// A Predictor classifies images with a checkpoint written by Run, using the
// preprocessing the model was validated with.
//
// Example: fine-tune torchvision's ImageNet weights for 5 epochs at 128
// pixels, then classify a photo.
//
//	res, err := train.Run(ctx, train.Config{
//		Data:      "data/seedlings-mini", // train/ and val/ class folders
//		Weights:   "resnet18-f37072fd.pth",
//		InputSize: 128,
//		Epochs:    5,
//		Out:       "out/finetune",
//	}, os.Stderr)
//	if err != nil {
//		return err
//	}
//	fmt.Printf("val accuracy %.1f%%\n", 100*res.ValAccuracy)
//
//	p, err := train.LoadPredictor(res.Checkpoint)
//	if err != nil {
//		return err
//	}
//	pred, err := p.PredictFile("leaf.png")
//	if err != nil {
//		return err
//	}
//	fmt.Println(pred.Label, pred.Top[0].Prob) // e.g. "Maize 0.93"
package train
