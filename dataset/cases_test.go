package dataset

import (
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/internal/shared"
)

// readJSON decodes a case's expected.json into v.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, v))
}

// rgbHWC returns the image's pixels as [H][W][3].
func rgbHWC(img *image.RGBA) [][][3]int {
	b := img.Bounds()
	out := make([][][3]int, b.Dy())
	for y := range out {
		out[y] = make([][3]int, b.Dx())
		for x := range out[y] {
			i := img.PixOffset(b.Min.X+x, b.Min.Y+y)
			out[y][x] = [3]int{int(img.Pix[i]), int(img.Pix[i+1]), int(img.Pix[i+2])}
		}
	}
	return out
}

func TestC01RGBAPNGDropsAlphaStraight(t *testing.T) {
	dir := shared.Path(t, "cases/C01_rgba_png")
	var exp struct {
		ShapeHWC   []int          `json:"shape_HWC"`
		RGB        [][][3]int     `json:"rgb_uint8_HWC"`
		ToTensor   [][][]float32  `json:"to_tensor_CHW"`
		Normalized [][][]float32  `json:"imagenet_normalized_CHW"`
		Mean       [3]float32     `json:"normalize_mean"`
		Std        [3]float32     `json:"normalize_std"`
		Atol       float64        `json:"atol"`
		Wrong      map[string]any `json:"wrong_answers"`
	}
	readJSON(t, filepath.Join(dir, "expected.json"), &exp)
	assert.Equal(t, ImageNetMean, exp.Mean)
	assert.Equal(t, ImageNetStd, exp.Std)

	var tensors []*nnTensor
	for _, name := range []string{"rgb_control.png", "rgba.png"} {
		t.Run(name, func(t *testing.T) {
			img, err := DecodeFile(filepath.Join(dir, name), DecodeOptions{})
			require.NoError(t, err)
			require.Equal(t, exp.ShapeHWC[:2], []int{img.Bounds().Dy(), img.Bounds().Dx()})
			assert.Equal(t, exp.RGB, rgbHWC(img))
			assert.NotEqual(t, [3]int{0, 0, 0}, rgbHWC(img)[0][1], "premultiplied answer")

			x := ToTensor(img)
			require.Equal(t, []int{3, exp.ShapeHWC[0], exp.ShapeHWC[1]}, x.Shape)
			assertCHW(t, exp.ToTensor, x.Data, exp.Atol)
			y, err := Normalize{Mean: ImageNetMean, Std: ImageNetStd}.ApplyTensor(x, nil)
			require.NoError(t, err)
			assertCHW(t, exp.Normalized, y.Data, exp.Atol)
			tensors = append(tensors, y)
		})
	}
	require.Len(t, tensors, 2)
	batch, err := Stack(tensors)
	require.NoError(t, err)
	assert.Equal(t, []int{2, 3, 2, 4}, batch.Shape)
	assert.Equal(t, batch.Data[:24], batch.Data[24:], "rgba.png must equal rgb_control.png")
}

// assertCHW compares a nested [C][H][W] expectation with flat data.
func assertCHW(t *testing.T, want [][][]float32, got []float32, atol float64) {
	t.Helper()
	k, worst := 0, 0.0
	for _, c := range want {
		for _, row := range c {
			for _, v := range row {
				require.Less(t, k, len(got))
				d := float64(got[k] - v)
				if d < 0 {
					d = -d
				}
				worst = max(worst, d)
				k++
			}
		}
	}
	assert.Equal(t, k, len(got))
	t.Logf("max |diff| = %.3g (atol %g)", worst, atol)
	assert.LessOrEqual(t, worst, atol)
}

func TestC02GrayPaletteOneBitPNG(t *testing.T) {
	dir := shared.Path(t, "cases/C02_gray_palette_png")
	var exp map[string]json.RawMessage
	readJSON(t, filepath.Join(dir, "expected.json"), &exp)
	names := []string{"gray.png", "gray_alpha.png", "palette_trns.png", "bw_1bit.png", "palette_4bit.png"}
	var tensors []*nnTensor
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			var want struct {
				Shape []int      `json:"shape_HWC"`
				RGB   [][][3]int `json:"rgb_uint8"`
			}
			require.Contains(t, exp, name)
			require.NoError(t, json.Unmarshal(exp[name], &want))
			img, err := DecodeFile(filepath.Join(dir, name), DecodeOptions{})
			require.NoError(t, err)
			assert.Equal(t, want.Shape[:2], []int{img.Bounds().Dy(), img.Bounds().Dx()})
			assert.Equal(t, want.RGB, rgbHWC(img))
			x := ToTensor(img)
			assert.Equal(t, 3, x.Shape[0])
			tensors = append(tensors, x)
		})
	}
	// The 2x3 files of the class folder batch together as [N,3,H,W].
	var same []*nnTensor
	for _, x := range tensors {
		if x.Shape[1] == 2 && x.Shape[2] == 3 {
			same = append(same, x)
		}
	}
	b, err := Stack(same)
	require.NoError(t, err)
	assert.Equal(t, []int{3, 3, 2, 3}, b.Shape)
}

func TestC04CMYKJPEG(t *testing.T) {
	dir := shared.Path(t, "cases/C04_cmyk_jpeg")
	var exp struct {
		Shape  []int `json:"shape_HWC"`
		Blocks []struct {
			Name   string `json:"name"`
			RGB    [3]int `json:"rgb_expected"`
			Centre [2]int `json:"centre_pixel_rc"`
		} `json:"blocks"`
		Tol int `json:"tolerance_per_channel"`
	}
	readJSON(t, filepath.Join(dir, "expected.json"), &exp)
	img, err := DecodeFile(filepath.Join(dir, "cmyk.jpg"), DecodeOptions{})
	require.NoError(t, err)
	require.Equal(t, exp.Shape[:2], []int{img.Bounds().Dy(), img.Bounds().Dx()})
	px := rgbHWC(img)
	require.Len(t, exp.Blocks, 6)
	for _, b := range exp.Blocks {
		got := px[b.Centre[0]][b.Centre[1]]
		for c := range 3 {
			assert.InDelta(t, b.RGB[c], got[c], float64(exp.Tol), "%s channel %d: got %v", b.Name, c, got)
		}
	}
	assert.Equal(t, []int{3, 16, 96}, ToTensor(img).Shape)
}

func TestC06CorruptFiles(t *testing.T) {
	dir := shared.Path(t, "cases/C06_corrupt_files")
	var exp struct {
		Good struct {
			Shape []int  `json:"shape_HWC"`
			First [3]int `json:"first_pixel"`
			Sum   int    `json:"sum"`
		} `json:"good.png"`
		Bad        map[string]string `json:"bad_files"`
		ValidCount int               `json:"valid_count_with_skip"`
	}
	readJSON(t, filepath.Join(dir, "expected.json"), &exp)
	root := filepath.Join(dir, "dataset")
	require.Len(t, exp.Bad, 4)

	t.Run("each bad file names itself", func(t *testing.T) {
		for name := range exp.Bad {
			p := filepath.Join(root, "Maize", name)
			img, err := DecodeFile(p, DecodeOptions{})
			require.Error(t, err, name)
			assert.Nil(t, img, "no partial image for %s", name)
			assert.Contains(t, err.Error(), p)
		}
	})
	t.Run("good file", func(t *testing.T) {
		img, err := DecodeFile(filepath.Join(root, "Maize", "good.png"), DecodeOptions{})
		require.NoError(t, err)
		px := rgbHWC(img)
		assert.Equal(t, exp.Good.Shape[:2], []int{len(px), len(px[0])})
		assert.Equal(t, exp.Good.First, px[0][0])
		sum := 0
		for _, row := range px {
			for _, p := range row {
				sum += p[0] + p[1] + p[2]
			}
		}
		assert.Equal(t, exp.Good.Sum, sum)
	})
	t.Run("scan reports exactly the bad files", func(t *testing.T) {
		ds, err := ImageFolder(root)
		require.NoError(t, err)
		assert.Equal(t, 5, ds.Len())
		bad := ds.Scan(2)
		var got []string
		for _, b := range bad {
			got = append(got, filepath.Base(b.Path))
			assert.Contains(t, b.Err.Error(), b.Path)
		}
		var want []string
		for name := range exp.Bad {
			want = append(want, name)
		}
		assert.ElementsMatch(t, want, got)
	})
	t.Run("WithScan fails listing every bad file", func(t *testing.T) {
		_, err := ImageFolder(root, WithScan())
		require.Error(t, err)
		var bf *BadFilesError
		require.ErrorAs(t, err, &bf)
		assert.Len(t, bf.Files, 4)
		for name := range exp.Bad {
			assert.Contains(t, err.Error(), name)
		}
	})
	t.Run("skip-bad policy", func(t *testing.T) {
		ds, err := ImageFolder(root, WithBadFilePolicy(SkipBad))
		require.NoError(t, err)
		require.Equal(t, exp.ValidCount, ds.Len())
		assert.Equal(t, Sample{Path: filepath.Join(root, "Maize", "good.png"), Label: 0}, ds.Samples[0])
		assert.Len(t, ds.Report.Bad, 4)
		assert.Equal(t, []string{"Maize"}, ds.Classes)
	})
	t.Run("loader stops with the file name, no panic, no zero tensor", func(t *testing.T) {
		ds, err := ImageFolder(root)
		require.NoError(t, err)
		l, err := NewLoader(ds, LoaderConfig{BatchSize: 1, Workers: 2})
		require.NoError(t, err)
		var batches int
		var lastErr error
		for b, err := range l.Epoch(t.Context(), 0) {
			if err != nil {
				lastErr = err
				break
			}
			require.NotNil(t, b)
			batches++
		}
		require.Error(t, lastErr)
		// Samples are sorted: empty.png is first, so the epoch stops at once.
		assert.Equal(t, 0, batches)
		assert.Contains(t, lastErr.Error(), "empty.png")
	})
}

func TestC07HiddenEntriesAndExtensionCase(t *testing.T) {
	dir := shared.Path(t, "cases/C07_hidden_entries_and_ext_case")
	var exp struct {
		Classes      []string `json:"classes"`
		Samples      [][2]any `json:"samples"`
		MustNotAppea []string `json:"must_not_appear"`
	}
	readJSON(t, filepath.Join(dir, "expected.json"), &exp)
	root := filepath.Join(dir, "train")
	ds, err := ImageFolder(root)
	require.NoError(t, err)
	assert.Equal(t, exp.Classes, ds.Classes)
	require.Len(t, ds.Samples, len(exp.Samples))
	for i, s := range exp.Samples {
		rel, err := filepath.Rel(root, ds.Samples[i].Path)
		require.NoError(t, err)
		assert.Equal(t, s[0], filepath.ToSlash(rel))
		assert.Equal(t, int(s[1].(float64)), ds.Samples[i].Label)
	}
	for _, s := range ds.Samples {
		for _, bad := range exp.MustNotAppea {
			assert.NotContains(t, s.Path, bad)
		}
	}
	assert.Equal(t, 1, ds.Report.RootFiles, "README.md at class level")
	assert.Equal(t, 1, ds.Report.NonImage, "notes.txt")
	// .DS_Store x2, ._a.png, .ipynb_checkpoints x2, Thumbs.db
	assert.Equal(t, 6, ds.Report.Hidden)
	assert.Empty(t, ds.Scan(1), "every sample decodes")

	t.Run("empty class", func(t *testing.T) {
		// Git does not keep empty folders, so build the tree the case
		// describes: Charlock/a.png and a Maize/ with no image.
		tmp := t.TempDir()
		copyFile(t, filepath.Join(dir, "train_with_empty_class", "Charlock", "a.png"), filepath.Join(tmp, "Charlock", "a.png"))
		require.NoError(t, os.MkdirAll(filepath.Join(tmp, "Maize"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(tmp, "Maize", ".DS_Store"), []byte("junk"), 0o644))
		_, err := ImageFolder(tmp)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Maize")
		assert.NotContains(t, err.Error(), "Charlock")

		ds, err := ImageFolder(tmp, AllowEmptyClasses())
		require.NoError(t, err)
		assert.Equal(t, []string{"Charlock", "Maize"}, ds.Classes)
		counts, err := ds.ClassCounts()
		require.NoError(t, err)
		assert.Equal(t, []int{1, 0}, counts)
	})
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(to), 0o755))
	require.NoError(t, os.WriteFile(to, data, 0o644))
}

func TestC08ClassOrder(t *testing.T) {
	dir := shared.Path(t, "cases/C08_class_order")
	var exp struct {
		Trees map[string]struct {
			Classes    []string       `json:"classes"`
			ClassToIdx map[string]int `json:"class_to_idx"`
		} `json:"trees"`
	}
	readJSON(t, filepath.Join(dir, "expected.json"), &exp)
	require.Len(t, exp.Trees, 3)
	for name, want := range exp.Trees {
		t.Run(name, func(t *testing.T) {
			ds, err := ImageFolder(filepath.Join(dir, name))
			require.NoError(t, err)
			assert.Equal(t, want.Classes, ds.Classes)
			assert.Equal(t, want.ClassToIdx, ds.ClassToIdx)
			for _, s := range ds.Samples {
				assert.Equal(t, want.ClassToIdx[filepath.Base(filepath.Dir(s.Path))], s.Label)
			}
		})
	}
	// The same trees built with their class folders created in reverse
	// order: the order comes from the names, never from the file system.
	for name, want := range exp.Trees {
		t.Run(name+" created in reverse", func(t *testing.T) {
			root := t.TempDir()
			for i := len(want.Classes) - 1; i >= 0; i-- {
				c := want.Classes[i]
				src := filepath.Join(dir, name, c)
				entries, err := os.ReadDir(src)
				require.NoError(t, err)
				require.NoError(t, os.Mkdir(filepath.Join(root, c), 0o755))
				for _, e := range entries {
					data, err := os.ReadFile(filepath.Join(src, e.Name()))
					require.NoError(t, err)
					require.NoError(t, os.WriteFile(filepath.Join(root, c, e.Name()), data, 0o644))
				}
			}
			ds, err := ImageFolder(root)
			require.NoError(t, err)
			assert.Equal(t, want.Classes, ds.Classes)
		})
	}
	t.Run("val missing classes", func(t *testing.T) {
		val := filepath.Join(dir, "val_missing_class")
		alone, err := ImageFolder(val)
		require.NoError(t, err)
		assert.Equal(t, map[string]int{"Charlock": 0, "Maize": 1}, alone.ClassToIdx)

		train, err := ImageFolder(filepath.Join(dir, "seedlings"))
		require.NoError(t, err)
		ds, err := ImageFolder(val, WithClasses(train.Classes))
		require.NoError(t, err)
		assert.Equal(t, train.Classes, ds.Classes)
		require.Len(t, ds.Samples, 2)
		assert.Equal(t, 1, ds.Samples[0].Label, ds.Samples[0].Path)
		assert.Equal(t, 7, ds.Samples[1].Label, ds.Samples[1].Path)
		assert.True(t, strings.HasSuffix(ds.Samples[1].Path, filepath.Join("Maize", "img.png")))
	})
	t.Run("folder not in the class list is an error", func(t *testing.T) {
		_, err := ImageFolder(filepath.Join(dir, "val_missing_class"), WithClasses([]string{"Charlock"}))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Maize")
	})
}
