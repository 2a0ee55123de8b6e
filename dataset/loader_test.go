package dataset

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeTree writes perClass PNGs of varying sizes into each class folder of
// a new temporary root and returns it.
func writeTree(t *testing.T, classes []string, perClass int) string {
	t.Helper()
	root := t.TempDir()
	for c, name := range classes {
		require.NoError(t, os.MkdirAll(filepath.Join(root, name), 0o755))
		for k := range perClass {
			w, h := 20+3*k, 18+2*c
			img := image.NewNRGBA(image.Rect(0, 0, w, h))
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					img.SetNRGBA(x, y, color.NRGBA{uint8(x * 9), uint8(y*7 + 40*c), uint8(13 * k), 255})
				}
			}
			f, err := os.Create(filepath.Join(root, name, fmt.Sprintf("img%02d.png", k)))
			require.NoError(t, err)
			require.NoError(t, png.Encode(f, img))
			require.NoError(t, f.Close())
		}
	}
	return root
}

// collect runs one epoch and returns its batches.
func collect(t *testing.T, l *Loader, epoch int) []*Batch {
	t.Helper()
	var out []*Batch
	for b, err := range l.Epoch(context.Background(), epoch) {
		require.NoError(t, err)
		out = append(out, b)
	}
	return out
}

func augment() Compose {
	return Compose{
		Image: []ImageTransform{
			RandomResizedCrop{Size: 12}, RandomHorizontalFlip{}, RandomVerticalFlip{},
			RandomRotation{Degrees: 20}, ColorJitter{Brightness: 0.3, Contrast: 0.3, Saturation: 0.3, Hue: 0.05},
		},
		Tensor: []TensorTransform{Normalize{}},
	}
}

func TestLoaderDeterministicAcrossWorkers(t *testing.T) {
	ds, err := ImageFolder(writeTree(t, []string{"a", "b", "c"}, 7))
	require.NoError(t, err)
	run := func(workers, prefetch int, seed uint64, epoch int) []*Batch {
		l, err := NewLoader(ds, LoaderConfig{BatchSize: 4, Shuffle: true, Seed: seed,
			Workers: workers, Prefetch: prefetch, Transform: augment()})
		require.NoError(t, err)
		return collect(t, l, epoch)
	}
	one := run(1, 1, 42, 3)
	four := run(4, 3, 42, 3)
	require.Len(t, one, 6) // 21 samples, batch 4, last batch 1
	require.Equal(t, len(one), len(four))
	for i := range one {
		assert.Equal(t, one[i].Indices, four[i].Indices, "batch %d", i)
		assert.Equal(t, one[i].Labels, four[i].Labels, "batch %d", i)
		assert.Equal(t, one[i].Images.Shape, four[i].Images.Shape)
		assert.Equal(t, one[i].Images.Data, four[i].Images.Data, "batch %d pixels", i)
		assert.Equal(t, i, one[i].Number)
	}
	other := run(2, 2, 43, 3)
	assert.NotEqual(t, one[0].Images.Data, other[0].Images.Data, "another seed")
	next := run(2, 2, 42, 4)
	assert.NotEqual(t, one[0].Indices, next[0].Indices, "another epoch reshuffles")
}

func TestLoaderEpochCoversEverySampleOnce(t *testing.T) {
	ds, err := ImageFolder(writeTree(t, []string{"a", "b", "c"}, 5))
	require.NoError(t, err)
	for _, tc := range []struct {
		dropLast bool
		sizes    []int
	}{
		{false, []int{4, 4, 4, 3}},
		{true, []int{4, 4, 4}},
	} {
		l, err := NewLoader(ds, LoaderConfig{BatchSize: 4, Shuffle: true, DropLast: tc.dropLast, Seed: 1,
			Transform: Compose{Image: []ImageTransform{Resize{Height: 8, Width: 10}}}})
		require.NoError(t, err)
		assert.Equal(t, len(tc.sizes), l.NumBatches())
		var seen []int
		var sizes []int
		for _, b := range collect(t, l, 0) {
			n := len(b.Labels)
			sizes = append(sizes, n)
			assert.Equal(t, []int{n, 3, 8, 10}, b.Images.Shape)
			for k, i := range b.Indices {
				assert.Equal(t, ds.Samples[i].Label, b.Labels[k])
			}
			seen = append(seen, b.Indices...)
		}
		assert.Equal(t, tc.sizes, sizes)
		sort.Ints(seen)
		if !tc.dropLast {
			want := make([]int, ds.Len())
			for i := range want {
				want[i] = i
			}
			assert.Equal(t, want, seen)
		} else {
			assert.Len(t, seen, 12)
		}
	}

	// Without shuffling, batches follow dataset order.
	l, err := NewLoader(ds, LoaderConfig{BatchSize: 6, Transform: Compose{Image: []ImageTransform{CenterCrop{Height: 5, Width: 5}}}})
	require.NoError(t, err)
	b := collect(t, l, 0)
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5}, b[0].Indices)
	assert.Equal(t, []int{0, 0, 0, 0, 0, 1}, b[0].Labels)
}

func TestLoaderErrors(t *testing.T) {
	ds, err := ImageFolder(writeTree(t, []string{"a"}, 3))
	require.NoError(t, err)

	// Different sizes without a resize: an error naming the files.
	l, err := NewLoader(ds, LoaderConfig{BatchSize: 3})
	require.NoError(t, err)
	var got error
	for _, err := range l.Epoch(context.Background(), 0) {
		got = err
	}
	require.Error(t, got)
	assert.Contains(t, got.Error(), "img00.png")
	assert.Contains(t, got.Error(), "img01.png")

	// A cancelled context ends the epoch with its error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l, err = NewLoader(ds, LoaderConfig{BatchSize: 1, Transform: EvalTransform(8, 8)})
	require.NoError(t, err)
	got = nil
	for _, err := range l.Epoch(ctx, 0) {
		got = err
	}
	assert.ErrorIs(t, got, context.Canceled)

	// Breaking out early stops cleanly and the next epoch still works.
	n := 0
	for _, err := range l.Epoch(context.Background(), 0) {
		require.NoError(t, err)
		n++
		break
	}
	assert.Equal(t, 1, n)
	assert.Len(t, collect(t, l, 1), 3)

	_, err = NewLoader(ds, LoaderConfig{BatchSize: -1})
	assert.Error(t, err)
	_, err = NewLoader(nil, LoaderConfig{})
	assert.Error(t, err)
	empty, err := ds.Subset(nil)
	require.NoError(t, err)
	l, err = NewLoader(empty, LoaderConfig{})
	require.NoError(t, err)
	for _, err := range l.Epoch(context.Background(), 0) {
		assert.Error(t, err)
	}
}

func TestSplit(t *testing.T) {
	ds, err := ImageFolder(writeTree(t, []string{"a", "b", "c"}, 10))
	require.NoError(t, err)
	for _, stratified := range []bool{true, false} {
		train, val, err := ds.Split(0.2, 9, stratified)
		require.NoError(t, err)
		assert.Equal(t, 24, train.Len())
		assert.Equal(t, 6, val.Len())
		if stratified {
			vc, err := val.ClassCounts()
			require.NoError(t, err)
			tc, err := train.ClassCounts()
			require.NoError(t, err)
			assert.Equal(t, []int{2, 2, 2}, vc)
			assert.Equal(t, []int{8, 8, 8}, tc)
		}
		paths := map[string]bool{}
		for _, s := range append(append([]Sample{}, train.Samples...), val.Samples...) {
			assert.False(t, paths[s.Path], "disjoint")
			paths[s.Path] = true
		}
		assert.Len(t, paths, 30)
		_, val2, err := ds.Split(0.2, 9, stratified)
		require.NoError(t, err)
		assert.Equal(t, val.Samples, val2.Samples, "same seed, same split")
		_, val3, err := ds.Split(0.2, 10, stratified)
		require.NoError(t, err)
		assert.NotEqual(t, val.Samples, val3.Samples, "another seed")
	}
	_, _, err = ds.Split(1.5, 1, true)
	assert.Error(t, err)
}

func TestCacheServesDecodedImages(t *testing.T) {
	root := writeTree(t, []string{"a"}, 2)
	ds, err := ImageFolder(root, WithCache(1<<20))
	require.NoError(t, err)
	nocache, err := ImageFolder(root)
	require.NoError(t, err)
	first, err := ds.Image(0)
	require.NoError(t, err)
	// Remove the file: the cached image is still served.
	require.NoError(t, os.Remove(ds.Samples[0].Path))
	again, err := ds.Image(0)
	require.NoError(t, err)
	assert.Same(t, first, again)

	_, err = nocache.Image(1)
	require.NoError(t, err)
	_, err = nocache.Image(0)
	assert.ErrorContains(t, err, "img00.png")
	_, err = nocache.Image(5)
	assert.Error(t, err)
}
