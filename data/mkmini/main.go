// Command mkmini makes the small Plant Seedlings subset bundled with the
// repository (data/seedlings-mini) from a full ImageFolder copy: the first
// -train and -val images of every class, in file-name order, downscaled to
// -size x -size pixels with an antialiasing filter and saved as PNG.
//
//	go run ./data/mkmini -src ../shared/data/seedlings -dst data/seedlings-mini
package main

import (
	"flag"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/image/draw"

	"github.com/seedling-ml/seedling/dataset"
)

func main() {
	src := flag.String("src", "../shared/data/seedlings", "full data set with train/ and val/ class folders")
	dst := flag.String("dst", "data/seedlings-mini", "output folder")
	size := flag.Int("size", 128, "output side in pixels")
	nTrain := flag.Int("train", 20, "train images per class")
	nVal := flag.Int("val", 5, "val images per class")
	flag.Parse()
	for split, n := range map[string]int{"train": *nTrain, "val": *nVal} {
		if err := copySplit(filepath.Join(*src, split), filepath.Join(*dst, split), n, *size); err != nil {
			fmt.Fprintln(os.Stderr, "mkmini:", err)
			os.Exit(1)
		}
	}
}

func copySplit(src, dst string, n, size int) error {
	classes, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, c := range classes {
		if !c.IsDir() || c.Name()[0] == '.' {
			continue
		}
		files, err := filepath.Glob(filepath.Join(src, c.Name(), "*.png"))
		if err != nil {
			return err
		}
		sort.Strings(files)
		if len(files) < n {
			return fmt.Errorf("%s has %d images, want %d", filepath.Join(src, c.Name()), len(files), n)
		}
		if err := os.MkdirAll(filepath.Join(dst, c.Name()), 0o755); err != nil {
			return err
		}
		for _, f := range files[:n] {
			img, err := dataset.DecodeFile(f, dataset.DecodeOptions{})
			if err != nil {
				return err
			}
			small := image.NewRGBA(image.Rect(0, 0, size, size))
			draw.CatmullRom.Scale(small, small.Bounds(), img, img.Bounds(), draw.Src, nil)
			if err := dataset.SavePNG(filepath.Join(dst, c.Name(), filepath.Base(f)), small); err != nil {
				return err
			}
		}
	}
	return nil
}
