package dataset

import (
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/internal/shared"
)

// seedlingClasses reads the 12 class names of case C08.
func seedlingClasses(t *testing.T) []string {
	var exp struct {
		Trees map[string]struct {
			Classes []string `json:"classes"`
		} `json:"trees"`
	}
	readJSON(t, shared.Path(t, "cases/C08_class_order/expected.json"), &exp)
	c := exp.Trees["seedlings"].Classes
	require.Len(t, c, 12)
	return c
}

func TestSeedlingsFolders(t *testing.T) {
	want := seedlingClasses(t)
	train, err := ImageFolder(shared.Path(t, "data/seedlings/train"))
	require.NoError(t, err)
	assert.Equal(t, want, train.Classes)
	assert.Equal(t, 600, train.Len())
	counts, err := train.ClassCounts()
	require.NoError(t, err)
	for _, n := range counts {
		assert.Equal(t, 50, n)
	}
	val, err := ImageFolder(shared.Path(t, "data/seedlings/val"), WithClasses(train.Classes))
	require.NoError(t, err)
	assert.Equal(t, 156, val.Len())
	assert.Equal(t, train.ClassToIdx, val.ClassToIdx)
	assert.Zero(t, train.Report.Hidden+train.Report.NonImage+train.Report.RootFiles)
}

func TestSeedlingsLoaderEpoch(t *testing.T) {
	train, err := ImageFolder(shared.Path(t, "data/seedlings/train"))
	require.NoError(t, err)
	l, err := NewLoader(train, LoaderConfig{BatchSize: 64, Shuffle: true, Seed: 2026, Workers: 2,
		Transform: Compose{
			Image:  []ImageTransform{RandomResizedCrop{Size: 64}, RandomHorizontalFlip{}},
			Tensor: []TensorTransform{Normalize{Mean: ImageNetMean, Std: ImageNetStd}},
		}})
	require.NoError(t, err)
	counts := make([]int, 12)
	seen := make([]bool, train.Len())
	n := 0
	for b, err := range l.Epoch(context.Background(), 0) {
		require.NoError(t, err)
		size := len(b.Labels)
		require.Equal(t, []int{size, 3, 64, 64}, b.Images.Shape)
		for k, i := range b.Indices {
			require.False(t, seen[i])
			seen[i] = true
			require.Equal(t, train.Samples[i].Label, b.Labels[k])
			// The label is the index of the file's folder in Classes.
			require.Equal(t, train.Classes[b.Labels[k]], filepath.Base(filepath.Dir(train.Samples[i].Path)))
			counts[b.Labels[k]]++
		}
		// Normalised values stay in the ImageNet range [-2.12, 2.64].
		lo, hi := b.Images.Data[0], b.Images.Data[0]
		for _, v := range b.Images.Data {
			lo, hi = min(lo, v), max(hi, v)
		}
		require.True(t, lo >= -2.12 && hi <= 2.641, "values in [%v, %v]", lo, hi)
		n++
	}
	assert.Equal(t, 10, n) // 600 / 64 rounded up
	for _, c := range counts {
		assert.Equal(t, 50, c)
	}
}

func TestSeedlingsDeterminism(t *testing.T) {
	train, err := ImageFolder(shared.Path(t, "data/seedlings/train"))
	require.NoError(t, err)
	// Every 15th image: 40 files from all classes keeps the test short.
	var idx []int
	for i := 0; i < train.Len(); i += 15 {
		idx = append(idx, i)
	}
	sub, err := train.Subset(idx)
	require.NoError(t, err)
	run := func(workers int) []*Batch {
		l, err := NewLoader(sub, LoaderConfig{BatchSize: 8, Shuffle: true, Seed: 7, Workers: workers,
			Transform: Compose{
				Image:  []ImageTransform{RandomResizedCrop{Size: 96}, RandomHorizontalFlip{}, ColorJitter{Brightness: 0.2, Hue: 0.05}},
				Tensor: []TensorTransform{Normalize{}},
			}})
		require.NoError(t, err)
		return collect(t, l, 1)
	}
	a, b := run(1), run(4)
	require.Len(t, a, 5)
	for i := range a {
		assert.Equal(t, a[i].Indices, b[i].Indices)
		assert.Equal(t, a[i].Labels, b[i].Labels)
		assert.Equal(t, a[i].Images.Data, b[i].Images.Data, "batch %d", i)
	}
}

func TestLoadImageTensor(t *testing.T) {
	train, err := ImageFolder(shared.Path(t, "data/seedlings/train"))
	require.NoError(t, err)
	// 49-1.png is one of the RGBA files of the set.
	path := filepath.Join(train.Root, "Black-grass", "49-1.png")
	x, err := LoadImageTensor(path, 224)
	require.NoError(t, err)
	require.Equal(t, []int{1, 3, 224, 224}, x.Shape)

	// By hand: 224x224 -> Resize(256) -> crop at round((256-224)/2) = 16.
	img, err := DecodeFile(path, DecodeOptions{})
	require.NoError(t, err)
	big, err := Resize{Size: 256}.Apply(img, nil)
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 256, 256), big.Bounds())
	want := ToTensor(Crop(big, 16, 16, 224, 224))
	require.NoError(t, NormalizeInPlace(want, ImageNetMean, ImageNetStd))
	assert.Equal(t, want.Data, x.Data)

	raw, err := LoadImageTensorNoResize(path)
	require.NoError(t, err)
	require.Equal(t, []int{1, 3, 224, 224}, raw.Shape)
	want = ToTensor(img)
	require.NoError(t, NormalizeInPlace(want, ImageNetMean, ImageNetStd))
	assert.Equal(t, want.Data, raw.Data)

	_, err = LoadImageTensor(filepath.Join(t.TempDir(), "nope.png"), 224)
	assert.ErrorContains(t, err, "nope.png")
	_, err = LoadImageTensor(path, 0)
	assert.Error(t, err)
}

func TestMontage(t *testing.T) {
	train, err := ImageFolder(shared.Path(t, "data/seedlings/train"))
	require.NoError(t, err)
	const per, tile = 3, 40
	img, err := Montage(train, per, tile, 1)
	require.NoError(t, err)
	b := img.Bounds()
	assert.Equal(t, 12*(tile+4)+4, b.Dy())
	again, err := Montage(train, per, tile, 1)
	require.NoError(t, err)
	assert.Equal(t, img.(*image.RGBA).Pix, again.(*image.RGBA).Pix, "seeded")

	// Each row has dark text pixels in the label column.
	rgba := img.(*image.RGBA)
	labelW := b.Dx() - per*(tile+4) - 4
	for row := range 12 {
		dark := 0
		for y := 4 + row*(tile+4); y < 4+row*(tile+4)+tile; y++ {
			for x := 0; x < labelW; x++ {
				if rgba.Pix[rgba.PixOffset(x, y)] < 64 {
					dark++
				}
			}
		}
		assert.Greater(t, dark, 20, "label of row %d", row)
	}

	p := filepath.Join(t.TempDir(), "montage.png")
	require.NoError(t, SavePNG(p, img))
	f, err := os.Open(p)
	require.NoError(t, err)
	defer f.Close()
	back, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, b, back.Bounds())
	if out := os.Getenv("SEEDLING_MONTAGE_OUT"); out != "" {
		require.NoError(t, SavePNG(out, img))
	}

	_, err = Montage(train, 0, tile, 1)
	assert.Error(t, err)
}
