package dream

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

func TestUnitPanels(t *testing.T) {
	m := randomModel(t)
	tests := []struct {
		unit  string
		taps  []string
		short string
		resid []bool
	}{
		{"layer1.0", []string{"maxpool", "layer1.0.relu1", "layer1.0.bn2", "layer1.0.shortcut", "layer1.0"}, "identity", []bool{true, false, true, true, true}},
		{"layer2.0", []string{"layer1.1", "layer2.0.relu1", "layer2.0.bn2", "layer2.0.shortcut", "layer2.0"}, "downsample", []bool{false, false, true, true, true}},
		{"layer2.1", []string{"layer2.0", "layer2.1.relu1", "layer2.1.bn2", "layer2.1.shortcut", "layer2.1"}, "identity", []bool{true, false, true, true, true}},
	}
	for _, tc := range tests {
		t.Run(tc.unit, func(t *testing.T) {
			p, err := UnitPanels(m, tc.unit)
			require.NoError(t, err)
			var taps []string
			var resid []bool
			for _, q := range p {
				taps, resid = append(taps, q.Tap), append(resid, q.Residual)
			}
			assert.Equal(t, tc.taps, taps)
			assert.Equal(t, tc.resid, resid)
			assert.Contains(t, p[3].Caption, tc.short)
		})
	}
	b, err := resnet.New(resnet.ResNet50Arch, 3, 1)
	require.NoError(t, err)
	p, err := UnitPanels(b, "layer3.0")
	require.NoError(t, err)
	require.Len(t, p, 6)
	assert.Equal(t, "layer2.3", p[0].Tap, "layer2 of ResNet50 has 4 units")
	assert.Equal(t, "layer3.0.bn3", p[3].Tap)

	for _, bad := range []string{"layer2", "layer5.0", "layer0.0", "layer2.2", "layer2.-1", "layer2.x", "conv1", ""} {
		_, err := UnitPanels(m, bad)
		assert.ErrorContains(t, err, "unit \""+bad+"\"", bad)
	}
}

func TestUnitFeatures(t *testing.T) {
	m := randomModel(t)
	x, err := ImageToTensor(testImage(64, 64), resnet.ImageNetMean, resnet.ImageNetStd)
	require.NoError(t, err)
	pic, err := UnitFeatures(m, x, "layer2.1", FeatureOptions{TopK: 4, Cols: 2, TileSize: 20})
	require.NoError(t, err)
	// title + thumbnail section, then five panels of 2x2 tiles.
	lineH := labelFace.Height + figureGap/2
	cell := 20 + lineH + figureGap
	thumb := figureGap + 40 + figureGap
	assert.Equal(t, figureGap+6*lineH+thumb+5*(figureGap+2*cell), pic.Bounds().Dy())

	_, err = UnitFeatures(m, x, "layer2.7", FeatureOptions{})
	assert.ErrorContains(t, err, `unit "layer2.7": layer2 of resnet18 has units 0..1`)
	_, err = UnitFeatures(m, x, "layer2.1", FeatureOptions{Channels: []int{200}})
	assert.ErrorContains(t, err, "channel 200 out of range: layer2.1 has 128 channels")
	_, err = UnitFeatures(m, nn.New(2, 3, 32, 32), "layer2.1", FeatureOptions{})
	assert.ErrorContains(t, err, "[1,3,H,W]")
}

// The maps behind the picture: the residual-space panels show the same
// channels (the output's top ones, by default), the others their own, and
// each channel's mean is that of its activation.
func TestUnitFeatureMaps(t *testing.T) {
	m := randomModel(t)
	x, err := ImageToTensor(testImage(64, 64), resnet.ImageNetMean, resnet.ImageNetStd)
	require.NoError(t, err)
	for _, opts := range []FeatureOptions{{TopK: 4}, {TopK: 4, Channels: []int{7, 3}}} {
		maps, err := UnitFeatureMaps(m, x, "layer2.1", opts)
		require.NoError(t, err)
		require.Len(t, maps, 5)
		output := maps[4]
		want := opts.Channels
		if want == nil {
			want = TopChannels(output.Activation, 4)
			assert.Equal(t, "top channels of the output", output.How)
		} else {
			assert.Equal(t, "chosen channels", output.How)
		}
		for _, f := range maps {
			if f.Residual {
				assert.Equal(t, want, f.Channels, f.Tap)
			} else {
				assert.Equal(t, TopChannels(f.Activation, 4), f.Channels, f.Tap)
				assert.Equal(t, "own top channels", f.How, f.Tap)
			}
			plane := f.Activation.Shape[2] * f.Activation.Shape[3]
			for j, c := range f.Channels {
				var sum float64
				for _, v := range f.Activation.Data[c*plane : (c+1)*plane] {
					sum += float64(v)
				}
				assert.InDelta(t, sum/float64(plane), f.Means[j], 1e-9, "%s channel %d", f.Tap, c)
			}
		}
	}
}

func TestTopChannels(t *testing.T) {
	x := nn.FromData([]float32{
		1, 1, // ch 0 mean 1
		5, -1, // ch 1 mean 2
		0, 0, // ch 2 mean 0
		3, 1, // ch 3 mean 2
	}, 1, 4, 1, 2)
	assert.Equal(t, []int{1, 3}, TopChannels(x, 2), "ties by index")
	assert.Equal(t, []int{1, 3, 0, 2}, TopChannels(x, 9))
	assert.Nil(t, TopChannels(nn.New(3, 4), 2))
}

func TestChannelNormalisation(t *testing.T) {
	nan := func(d []float32) bool {
		for _, v := range d {
			if math.IsNaN(float64(v)) {
				return true
			}
		}
		return false
	}
	tests := []struct {
		name string
		in   []float32
		want []float32
	}{
		{"small range", []float32{0, 0.5, 1, 0.25}, []float32{0, 0.5, 1, 0.25}},
		{"large range, same picture", []float32{10, 60, 110, 35}, []float32{0, 0.5, 1, 0.25}},
		{"constant", []float32{3, 3, 3, 3}, []float32{0, 0, 0, 0}},
		{"all zero", []float32{0, 0, 0, 0}, []float32{0, 0, 0, 0}},
		{"signed: symmetric around zero", []float32{-2, 1, 0, 4}, []float32{-0.5, 0.25, 0, 1}},
		{"constant negative", []float32{-3, -3, -3, -3}, []float32{-1, -1, -1, -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := normaliseChannel(tc.in)
			assert.False(t, nan(got))
			assert.InDeltaSlice(t, tc.want, got, 1e-6)
		})
	}

	// Two channels with ranges 1 and 100 give the same tile.
	x := nn.FromData([]float32{0, 1, 0.5, 0.25, 0, 100, 50, 25, 7, 7, 7, 7}, 1, 3, 2, 2)
	a, b, c := ChannelTile(x, 0, 4), ChannelTile(x, 1, 4), ChannelTile(x, 2, 4)
	assert.Equal(t, a.Pix, b.Pix)
	assert.Equal(t, uint8(255), a.RGBAAt(2, 0).R, "the maximum is white")
	assert.Equal(t, uint8(0), a.RGBAAt(0, 0).R, "the minimum is black")
	for i := 0; i < len(c.Pix); i += 4 {
		assert.Equal(t, []uint8{0, 0, 0, 255}, c.Pix[i:i+4], "a constant channel is black")
	}

	g, err := ChannelGrid(x, []int{0, 1, 2}, 2, 8)
	require.NoError(t, err)
	cellW := max(8, textWidth("c0"))
	assert.Equal(t, figureGap+2*(cellW+figureGap), g.Bounds().Dx())
	assert.Equal(t, figureGap+2*(8+labelFace.Height+figureGap/2+figureGap), g.Bounds().Dy())
	_, err = ChannelGrid(x, []int{3}, 2, 8)
	assert.ErrorContains(t, err, "channel 3 out of range")
	_, err = ChannelGrid(x, nil, 2, 8)
	assert.ErrorContains(t, err, "no channels")
	_, err = ChannelGrid(nn.New(4), []int{0}, 2, 8)
	assert.ErrorContains(t, err, "NCHW")
}
