// Package dataset turns folders of images into batches of tensors, the way
// torchvision's ImageFolder, transforms and DataLoader do, in plain Go.
//
// # Loading
//
// ImageFolder lists root/<class>/<file>: one class per sub-folder, classes
// sorted by byte order and numbered 0..N-1. Hidden entries (any name that
// starts with '.', plus Thumbs.db and desktop.ini) and files whose extension
// is not an image extension are skipped and counted in the Report. PNG,
// JPEG (baseline, progressive, gray, CMYK, with EXIF orientation applied),
// BMP, TIFF and WebP files are decoded, and every image becomes 8-bit RGB:
// alpha is dropped (straight, never premultiplied), gray and palette images
// are expanded, and 16-bit samples are scaled by v>>8.
//
// Decoded images are *image.RGBA values whose alpha is always 255, so the
// premultiplied and straight forms are the same and golang.org/x/image/draw
// can use its fast paths. Image-level transforms take and return such
// images and never modify their input.
//
// # Broken files
//
// A file that cannot be decoded gives an error that names its path. With the
// default policy (FailOnBad) the error is returned when the file is first
// loaded, and the loader stops the epoch with it. Scan decodes every file
// and lists every bad one before training starts; SkipBad does that inside
// ImageFolder and leaves the bad files out. Decoding never panics and
// refuses images whose header claims more than MaxPixels pixels.
//
// # Transforms and loading in batches
//
// A Compose applies image transforms (Resize, CenterCrop,
// RandomResizedCrop, flips, RandomRotation, ColorJitter), then ToTensor
// (HWC uint8 to CHW float32 in [0,1]), then tensor transforms (Normalize).
// Random transforms draw from the *rand.Rand they are given; the Loader
// gives every sample its own generator, derived from the seed, the epoch and
// the sample's index, so a run is reproducible whatever the worker count.
//
// Example (fine-tuning at 224x224):
//
//	train, err := dataset.ImageFolder("seedlings/train")
//	if err != nil { ... }
//	val, err := dataset.ImageFolder("seedlings/val", dataset.WithClasses(train.Classes))
//	loader, err := dataset.NewLoader(train, dataset.LoaderConfig{
//		BatchSize: 32, Shuffle: true, Seed: 1,
//		Transform: dataset.TrainTransform(224),
//	})
//	for batch, err := range loader.Epoch(ctx, epoch) {
//		if err != nil { ... }          // names the bad file
//		_ = batch.Images               // *nn.Tensor [N,3,224,224]
//		_ = batch.Labels               // []int, len N
//	}
//
// For one file with torchvision's eval preprocessing (shorter side 256,
// centre crop 224, ToTensor, Normalize) use LoadImageTensor.
package dataset
