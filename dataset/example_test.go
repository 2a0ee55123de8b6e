package dataset_test

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"github.com/seedling-ml/seedling/dataset"
)

// makeTree writes root/<class>/<n>.png files (8x6 gray images) plus some
// junk that ImageFolder skips.
func makeTree(root string, classes map[string]int) {
	for class, n := range classes {
		dir := filepath.Join(root, class)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
		for i := range n {
			f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%d.PNG", i)))
			if err != nil {
				log.Fatal(err)
			}
			png.Encode(f, image.NewGray(image.Rect(0, 0, 8, 6)))
			f.Close()
		}
		os.WriteFile(filepath.Join(dir, ".DS_Store"), []byte("junk"), 0o644)
		os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("junk"), 0o644)
	}
	os.MkdirAll(filepath.Join(root, ".ipynb_checkpoints"), 0o755)
}

func ExampleImageFolder() {
	root, _ := os.MkdirTemp("", "seedlings")
	defer os.RemoveAll(root)
	makeTree(root, map[string]int{"Maize": 2, "Charlock": 1, "Black-grass": 1})

	train, err := dataset.ImageFolder(root)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(train.Classes, train.Len())
	fmt.Println("hidden:", train.Report.Hidden, "not images:", train.Report.NonImage)

	// A validation folder reuses the training labels.
	valRoot, _ := os.MkdirTemp("", "seedlings-val")
	defer os.RemoveAll(valRoot)
	makeTree(valRoot, map[string]int{"Maize": 1})
	val, err := dataset.ImageFolder(valRoot, dataset.WithClasses(train.Classes))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("val Maize label:", val.Samples[0].Label)
	// Output:
	// [Black-grass Charlock Maize] 4
	// hidden: 4 not images: 3
	// val Maize label: 2
}

func ExampleLoader_Epoch() {
	root, _ := os.MkdirTemp("", "seedlings")
	defer os.RemoveAll(root)
	makeTree(root, map[string]int{"a": 3, "b": 2})
	ds, err := dataset.ImageFolder(root)
	if err != nil {
		log.Fatal(err)
	}
	loader, err := dataset.NewLoader(ds, dataset.LoaderConfig{
		BatchSize: 2, Shuffle: true, Seed: 1, Workers: 2,
		Transform: dataset.Compose{
			Image:  []dataset.ImageTransform{dataset.RandomResizedCrop{Size: 4}, dataset.RandomHorizontalFlip{}},
			Tensor: []dataset.TensorTransform{dataset.Normalize{Mean: dataset.ImageNetMean, Std: dataset.ImageNetStd}},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	for batch, err := range loader.Epoch(context.Background(), 0) {
		if err != nil {
			log.Fatal(err) // names the file that failed
		}
		fmt.Println(batch.Number, batch.Images.Shape, len(batch.Labels))
	}
	// Output:
	// 0 [2 3 4 4] 2
	// 1 [2 3 4 4] 2
	// 2 [1 3 4 4] 1
}

func ExampleCenterCropOffsets() {
	// torchvision rounds half to even: round(1.5) = 2, round(2.5) = 2.
	fmt.Println(dataset.CenterCropOffsets(5, 7, 2, 2))
	fmt.Println(dataset.CenterCropOffsets(256, 341, 224, 224))
	// Output:
	// 2 2
	// 16 58
}

func ExampleResizeShorter() {
	fmt.Println(dataset.ResizeShorter(300, 200, 256))
	// Output: 384 256 <nil>
}
