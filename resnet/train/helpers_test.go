package train

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// synthClasses are the classes of the synthetic data sets: each is a
// colour, so a small network can learn them.
var synthClasses = []struct {
	name string
	rgb  [3]uint8
}{
	{"green", [3]uint8{40, 170, 60}},
	{"red", [3]uint8{190, 40, 40}},
	{"blue", [3]uint8{40, 60, 190}},
}

// writeSynth writes an ImageFolder tree under dir with train/ and val/
// sub-folders holding perTrain and perVal noisy 40x40 PNGs per class, and
// returns dir.
func writeSynth(t testing.TB, dir string, perTrain, perVal int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, split := range []struct {
		name string
		n    int
	}{{"train", perTrain}, {"val", perVal}} {
		for _, c := range synthClasses {
			folder := filepath.Join(dir, split.name, c.name)
			require.NoError(t, os.MkdirAll(folder, 0o755))
			for i := range split.n {
				writePNG(t, filepath.Join(folder, fmt.Sprintf("%d.png", i)), noisy(rng, c.rgb, 40, 40))
			}
		}
	}
	return dir
}

// noisy returns a w x h image of colour c with uniform noise of +-40 and a
// darker square at a random place.
func noisy(rng *rand.Rand, c [3]uint8, w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	sx, sy := rng.IntN(w/2), rng.IntN(h/2)
	for y := range h {
		for x := range w {
			var px [3]uint8
			for k := range px {
				v := int(c[k]) + rng.IntN(81) - 40
				if x >= sx && x < sx+w/3 && y >= sy && y < sy+h/3 {
					v /= 2
				}
				px[k] = uint8(min(max(v, 0), 255))
			}
			img.SetNRGBA(x, y, color.NRGBA{px[0], px[1], px[2], 255})
		}
	}
	return img
}

func writePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
}

// tinyConfig is a fast run on the synthetic data in data: 32 px, batch 4.
func tinyConfig(data, out string) Config {
	return Config{Data: data, Out: out, InputSize: 32, BatchSize: 4, Epochs: 2, Seed: 7, Workers: 2}
}
