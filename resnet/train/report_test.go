package train

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPerClass(t *testing.T) {
	for _, tc := range []struct {
		name      string
		confusion [][]int
		classes   []string
		want      []ClassStats
	}{
		{"perfect", [][]int{{2, 0}, {0, 3}}, []string{"a", "b"},
			[]ClassStats{{"a", 1, 1, 2}, {"b", 1, 1, 3}}},
		// a: 3 of 4 right, b predicted 1 + 1 times with 1 right.
		{"mixed", [][]int{{3, 1}, {0, 1}}, []string{"a", "b"},
			[]ClassStats{{"a", 1, 0.75, 4}, {"b", 0.5, 1, 1}}},
		{"never predicted, no support, missing name", [][]int{{2, 0, 0}, {1, 0, 0}, {0, 0, 0}}, []string{"a", "b"},
			[]ClassStats{{"a", 2.0 / 3, 1, 2}, {"b", 0, 0, 1}, {"2", 0, 0, 0}}},
		{"empty", [][]int{}, nil, []ClassStats{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, PerClass(tc.confusion, tc.classes))
		})
	}
}

func TestArgmax(t *testing.T) {
	nan := float32(math.NaN())
	for _, tc := range []struct {
		v    []float32
		want int
	}{
		{[]float32{1, 3, 2}, 1},
		{[]float32{5, 5, 1}, 0},
		{[]float32{nan, 1, 2}, 2},
		{[]float32{1, nan, 0}, 0},
		{[]float32{-3}, 0},
	} {
		assert.Equal(t, tc.want, argmax(tc.v), "%v", tc.v)
	}
}

func TestClock(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0:00"}, {-time.Second, "0:00"}, {59499 * time.Millisecond, "0:59"},
		{61 * time.Second, "1:01"}, {3*time.Hour + 2*time.Minute + 5*time.Second, "3:02:05"},
	} {
		assert.Equal(t, tc.want, clock(tc.d), "%v", tc.d)
	}
}

// On a terminal the bar shows the epoch, loss, accuracy, throughput and
// both ETAs, rewrites itself with \r, is throttled, and is blanked before
// a log line.
func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(0, 0)
	p := newProgress(&buf, func() time.Time { return now })
	p.tty = true
	s := barState{epoch: 2, epochs: 5, done: 3, total: 10, loss: 0.5, acc: 0.875,
		imagesPerSec: 42.25, eta: 90 * time.Second, runETA: time.Hour + 30*time.Second}
	now = now.Add(time.Second)
	p.bar(s)
	out := buf.String()
	assert.True(t, strings.HasPrefix(out, "\r"))
	for _, want := range []string{"epoch 2/5", "3/10", "loss 0.5000", "acc  87.5%", "42.2 img/s", "eta 1:30", "(run 1:00:30)"} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "\n")

	p.bar(s) // too soon: not redrawn
	assert.Equal(t, out, buf.String())
	s.done = 10 // the last batch is always drawn
	p.bar(s)
	assert.Contains(t, buf.String(), "10/10")

	buf.Reset()
	p.logf("done")
	assert.Regexp(t, `^\r +\rdone\n$`, buf.String())
}

// Without a terminal there is no bar: a plain line every logEvery, none
// for the last batch, no control characters.
func TestProgressNoTerminal(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(0, 0)
	p := newProgress(&buf, func() time.Time { return now })
	s := barState{epoch: 1, epochs: 2, done: 2, total: 10, loss: 1.5}
	now = now.Add(10 * time.Second)
	p.bar(s)
	assert.Empty(t, buf.String(), "too soon")
	now, s.done = now.Add(25*time.Second), 5
	p.bar(s)
	assert.Equal(t, "epoch 1/2 [============            ] 5/10 loss 1.5000 acc   0.0% 0.0 img/s eta 0:00 (run 0:00)\n", buf.String())
	now, s.done = now.Add(5*time.Second), 6
	p.bar(s)
	now, s.done = now.Add(time.Minute), 10
	p.bar(s)
	assert.Equal(t, 1, strings.Count(buf.String(), "\n"), "nothing more until logEvery, nothing for the last batch")
	buf.Reset()
	p.logf("x %d", 1)
	assert.Equal(t, "x 1\n", buf.String())
}

func TestNiceRange(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		v      []float64
		hi     float64
		lo, up float64
	}{
		{[]float64{0.3, 2.2}, nan, 0, 2.5},
		{[]float64{7}, nan, 0, 8},
		{[]float64{nan, math.Inf(1)}, nan, 0, 1},
		{nil, nan, 0, 1},
		{[]float64{1}, 100, 0, 100},
	} {
		lo, up := niceRange(tc.v, 0, tc.hi)
		assert.Equal(t, tc.lo, lo, "%v", tc.v)
		assert.Equal(t, tc.up, up, "%v", tc.v)
	}
}

// The confusion plot shades the diagonal blue and errors red, darker for
// larger fractions of the row.
func TestPlotConfusion(t *testing.T) {
	img := PlotConfusion([][]int{{4, 0}, {1, 3}}, []string{"Maize", "Charlock"}, "title")
	require.Greater(t, img.Bounds().Dx(), 200)
	assert.Equal(t, heat(0, true), heat(0, false), "empty cells are white either way")
	d, e := heat(0.8, true), heat(0.8, false)
	assert.Greater(t, d.B, d.R, "diagonal is blue")
	assert.Greater(t, e.R, e.B, "errors are red")
	assert.Less(t, heat(0.9, true).R, heat(0.2, true).R, "darker for larger fractions")
}

// The curves plot draws both series; NaN values are skipped, not drawn.
func TestPlotCurves(t *testing.T) {
	img := PlotCurves([]EpochStats{
		{Epoch: 1, TrainLoss: 2, ValLoss: math.NaN(), TrainAccuracy: 0.2, ValAccuracy: 0.1},
		{Epoch: 2, TrainLoss: 1, ValLoss: 1.5, TrainAccuracy: 0.6, ValAccuracy: 0.5},
	})
	count := func(c [4]uint32) int {
		n := 0
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, a := img.At(x, y).RGBA()
				if [4]uint32{r >> 8, g >> 8, bl >> 8, a >> 8} == c {
					n++
				}
			}
		}
		return n
	}
	assert.Greater(t, count([4]uint32{uint32(colTrain.R), uint32(colTrain.G), uint32(colTrain.B), 255}), 100)
	assert.Greater(t, count([4]uint32{uint32(colVal.R), uint32(colVal.G), uint32(colVal.B), 255}), 50)
	assert.NotNil(t, PlotCurves(nil))
}

func TestCapOutliers(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		v, want []float64
	}{
		{[]float64{78, 2, 1.5, 1.2}, []float64{8, 2, 1.5, 1.2}}, // median of 4 values: the upper middle, 2
		{[]float64{3, 2, 1}, []float64{3, 2, 1}},
		{[]float64{50, 1}, []float64{50, 1}}, // too few to tell
		{[]float64{nan, 9, 1, 1, 1}, []float64{4, 4, 1, 1, 1}},
	} {
		got := capOutliers(tc.v)
		for i := range got {
			if math.IsNaN(tc.v[i]) {
				assert.True(t, math.IsNaN(got[i]))
				continue
			}
			assert.Equal(t, tc.want[i], got[i], "%v", tc.v)
		}
	}
}
