package dream

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// FeatureOptions configures UnitFeatures. The zero value gives the
// defaults.
type FeatureOptions struct {
	// TopK is the number of channels shown per panel, those with the
	// largest mean activation. Default 16.
	TopK int
	// Channels, when not empty, replaces the top-k choice for the panels in
	// the unit's residual channel space (second-conv BN, shortcut, output,
	// and the input when the shortcut is the identity).
	Channels []int
	// Cols is the number of tiles per row of a panel. Default 8.
	Cols int
	// TileSize is the width in pixels of a channel's tile (maps are
	// resized by nearest neighbour, keeping their aspect). Default 56.
	TileSize int
	// Mean and Std undo the input normalisation for the photo shown at the
	// top. Default resnet.ImageNetMean and ImageNetStd.
	Mean, Std [3]float32
}

func (o FeatureOptions) withDefaults() FeatureOptions {
	if o.TopK <= 0 {
		o.TopK = 16
	}
	if o.Cols <= 0 {
		o.Cols = 8
	}
	if o.TileSize <= 0 {
		o.TileSize = 56
	}
	if o.Std == ([3]float32{}) {
		o.Mean, o.Std = resnet.ImageNetMean, resnet.ImageNetStd
	}
	return o
}

// FeaturePanel is one row group of a unit's feature picture.
type FeaturePanel struct {
	// Tap is the tap shown ("layer2.1.relu1").
	Tap string
	// Caption says what the tap is ("conv1 + BN + ReLU").
	Caption string
	// Residual is true for panels in the unit's output channel space,
	// whose channels are chosen together (from the output) so that a
	// column compares the same channel across them.
	Residual bool
}

// UnitPanels lists the panels of a residual unit such as "layer2.1", in
// forward order: the unit's input (the previous unit's output, or
// "maxpool" for layer1.0), the mainstream convs (after BN and ReLU, and the
// last one after BN only), the shortcut and the unit's output.
func UnitPanels(m *resnet.ResNet, unit string) ([]FeaturePanel, error) {
	if m == nil {
		return nil, fmt.Errorf("dream: UnitPanels: nil model")
	}
	stage, idx, err := parseUnit(unit)
	if err != nil {
		return nil, err
	}
	if idx >= len(m.Layers[stage-1]) {
		return nil, fmt.Errorf("dream: unit %q: layer%d of %s has units 0..%d", unit, stage, m.Arch, len(m.Layers[stage-1])-1)
	}
	var input string
	switch {
	case idx > 0:
		input = fmt.Sprintf("layer%d.%d", stage, idx-1)
	case stage > 1:
		input = fmt.Sprintf("layer%d.%d", stage-1, len(m.Layers[stage-2])-1)
	default:
		input = "maxpool"
	}
	var main []FeaturePanel
	identity := true
	switch b := m.Layers[stage-1][idx].(type) {
	case *resnet.BasicBlock:
		identity = b.Downsample == nil
		main = []FeaturePanel{
			{Tap: unit + ".relu1", Caption: "conv1 + BN + ReLU"},
			{Tap: unit + ".bn2", Caption: "conv2 + BN", Residual: true},
		}
	case *resnet.Bottleneck:
		identity = b.Downsample == nil
		main = []FeaturePanel{
			{Tap: unit + ".relu1", Caption: "conv1 (1x1) + BN + ReLU"},
			{Tap: unit + ".relu2", Caption: "conv2 (3x3) + BN + ReLU"},
			{Tap: unit + ".bn3", Caption: "conv3 (1x1) + BN", Residual: true},
		}
	default:
		return nil, fmt.Errorf("dream: unit %q: unsupported block type %T", unit, b)
	}
	short := "shortcut: identity"
	if !identity {
		short = "shortcut: 1x1 conv + BN (downsample)"
	}
	panels := []FeaturePanel{{Tap: input, Caption: "input", Residual: identity}}
	panels = append(panels, main...)
	panels = append(panels,
		FeaturePanel{Tap: unit + ".shortcut", Caption: short, Residual: true},
		FeaturePanel{Tap: unit, Caption: "output: ReLU(mainstream + shortcut)", Residual: true},
	)
	return panels, nil
}

// parseUnit splits "layerS.I" into S (1..4) and I.
func parseUnit(unit string) (stage, idx int, err error) {
	bad := func() (int, int, error) {
		return 0, 0, fmt.Errorf("dream: unit %q: want a residual unit such as \"layer2.1\" (layer1..layer4, then the unit's index)", unit)
	}
	s, i, ok := strings.Cut(unit, ".")
	if !ok || !strings.HasPrefix(s, "layer") {
		return bad()
	}
	stage, err1 := strconv.Atoi(strings.TrimPrefix(s, "layer"))
	idx, err2 := strconv.Atoi(i)
	if err1 != nil || err2 != nil || stage < 1 || stage > 4 || idx < 0 {
		return bad()
	}
	return stage, idx, nil
}

// FeatureMap is one panel of a unit's feature picture for one image: the
// tap's activation and the channels shown.
type FeatureMap struct {
	FeaturePanel
	// Activation is the tap's output for the image.
	Activation *nn.Tensor
	// Channels are the channels shown, and Means their mean activations.
	Channels []int
	Means    []float64
	// How says how the channels were chosen: "top channels of the
	// output", "own top channels" or "chosen channels".
	How string
}

// UnitFeatureMaps runs x ([1,3,H,W], normalised) through m and returns the
// panels of UnitPanels with their activations and the channels UnitFeatures
// shows: by default the residual-space panels show the top-k channels of
// the unit's output, the same ones in every such panel, and the other
// panels their own top-k; opts.Channels replaces the former.
func UnitFeatureMaps(m *resnet.ResNet, x *nn.Tensor, unit string, opts FeatureOptions) ([]FeatureMap, error) {
	opts = opts.withDefaults()
	panels, err := UnitPanels(m, unit)
	if err != nil {
		return nil, err
	}
	if x == nil || x.Dim() != 4 || x.Shape[0] != 1 || x.Shape[1] != 3 {
		var shape []int
		if x != nil {
			shape = x.Shape
		}
		return nil, fmt.Errorf("dream: UnitFeatures: input must be a [1,3,H,W] tensor, got shape %v", shape)
	}
	taps := make([]string, len(panels))
	for i, p := range panels {
		taps[i] = p.Tap
	}
	out, err := m.Run(x.Detach(), taps, true)
	if err != nil {
		return nil, fmt.Errorf("dream: UnitFeatures %s: %w", unit, err)
	}
	output := out.Taps[unit]
	shared := opts.Channels
	if len(shared) == 0 {
		shared = TopChannels(output, opts.TopK)
	}
	for _, c := range shared {
		if c < 0 || c >= output.Shape[1] {
			return nil, fmt.Errorf("dream: UnitFeatures: channel %d out of range: %s has %d channels", c, unit, output.Shape[1])
		}
	}
	maps := make([]FeatureMap, len(panels))
	for i, p := range panels {
		t := out.Taps[p.Tap]
		chs := shared
		how := "top channels of the output"
		if !p.Residual || t.Shape[1] != output.Shape[1] {
			chs, how = TopChannels(t, opts.TopK), "own top channels"
		}
		if len(opts.Channels) > 0 && p.Residual {
			how = "chosen channels"
		}
		maps[i] = FeatureMap{FeaturePanel: p, Activation: t, Channels: chs, Means: channelMeans(t, chs), How: how}
	}
	return maps, nil
}

// channelMeans returns the mean activation of each listed channel of image
// 0 of an NCHW tensor.
func channelMeans(t *nn.Tensor, channels []int) []float64 {
	plane := t.Shape[2] * t.Shape[3]
	means := make([]float64, len(channels))
	for j, c := range channels {
		var sum float64
		for _, v := range t.Data[c*plane : (c+1)*plane] {
			sum += float64(v)
		}
		means[j] = sum / float64(plane)
	}
	return means
}

// UnitFeatures draws the feature maps inside a residual unit for one image
// x ([1,3,H,W], normalised): the photo, then one captioned grid of channels
// per panel of UnitFeatureMaps. Each channel is normalised on its own (see
// ChannelTile).
func UnitFeatures(m *resnet.ResNet, x *nn.Tensor, unit string, opts FeatureOptions) (*image.RGBA, error) {
	opts = opts.withDefaults()
	maps, err := UnitFeatureMaps(m, x, unit, opts)
	if err != nil {
		return nil, err
	}
	photo, err := TensorToImage(x, 0, opts.Mean, opts.Std)
	if err != nil {
		return nil, err
	}
	thumbW := 2 * opts.TileSize
	sections := []image.Image{Grid([]image.Image{resizeNearest(photo, thumbW, thumbW*photo.Bounds().Dy()/photo.Bounds().Dx())}, nil, 1)}
	titles := []string{fmt.Sprintf("%s of %s: input image %dx%d", unit, m.Arch, x.Shape[3], x.Shape[2])}
	for _, f := range maps {
		t := f.Activation
		g, err := ChannelGrid(t, f.Channels, opts.Cols, opts.TileSize)
		if err != nil {
			return nil, fmt.Errorf("dream: %s: %w", f.Tap, err)
		}
		sections = append(sections, g)
		titles = append(titles, fmt.Sprintf("%s [%s] %dch %dx%d, %s", f.Caption, f.Tap, t.Shape[1], t.Shape[3], t.Shape[2], f.How))
	}
	return stack(sections, titles), nil
}

// TopChannels returns the indices of the k channels of image 0 of an NCHW
// tensor with the largest mean activation, largest first (ties by index).
// k larger than the channel count returns every channel.
func TopChannels(t *nn.Tensor, k int) []int {
	if t == nil || t.Dim() != 4 || k <= 0 {
		return nil
	}
	c, plane := t.Shape[1], t.Shape[2]*t.Shape[3]
	means := make([]float64, c)
	idx := make([]int, c)
	for ch := range c {
		idx[ch] = ch
		var s float64
		for _, v := range t.Data[ch*plane : (ch+1)*plane] {
			s += float64(v)
		}
		means[ch] = s / float64(plane)
	}
	sort.SliceStable(idx, func(a, b int) bool { return means[idx[a]] > means[idx[b]] })
	return idx[:min(k, c)]
}

// ChannelGrid draws the listed channels of image 0 of an NCHW activation as
// tiles tile pixels wide (see ChannelTile), cols per row, each captioned
// with its channel index.
func ChannelGrid(t *nn.Tensor, channels []int, cols, tile int) (*image.RGBA, error) {
	if t == nil || t.Dim() != 4 || t.Shape[0] < 1 {
		var shape []int
		if t != nil {
			shape = t.Shape
		}
		return nil, fmt.Errorf("dream: ChannelGrid: want an NCHW activation, got shape %v", shape)
	}
	if len(channels) == 0 {
		return nil, fmt.Errorf("dream: ChannelGrid: no channels to draw")
	}
	if tile < 1 {
		return nil, fmt.Errorf("dream: ChannelGrid: tile size %d must be positive", tile)
	}
	tiles := make([]image.Image, len(channels))
	captions := make([]string, len(channels))
	for i, c := range channels {
		if c < 0 || c >= t.Shape[1] {
			return nil, fmt.Errorf("dream: ChannelGrid: channel %d out of range for shape %v", c, t.Shape)
		}
		tiles[i] = ChannelTile(t, c, tile)
		captions[i] = "c" + strconv.Itoa(c)
	}
	return Grid(tiles, captions, cols), nil
}

// ChannelTile draws channel c of image 0 of an NCHW activation, normalised
// on its own: a channel with no negative value in gray from its minimum
// (black) to its maximum (white); a channel with negative values on a
// blue-white-red scale symmetric around zero (blue -max|v|, white 0, red
// +max|v|). A constant non-negative channel is black and an all-zero
// channel is black or white, never NaN. The tile is width pixels wide and
// keeps the map's aspect (nearest neighbour).
func ChannelTile(t *nn.Tensor, c, width int) *image.RGBA {
	h, w := t.Shape[2], t.Shape[3]
	vals := normaliseChannel(t.Data[c*h*w : (c+1)*h*w])
	signed := false
	for _, v := range t.Data[c*h*w : (c+1)*h*w] {
		if v < 0 {
			signed = true
			break
		}
	}
	th := max(1, width*h/w)
	img := image.NewRGBA(image.Rect(0, 0, width, th))
	for y := range th {
		sy := y * h / th
		for x := range width {
			v := vals[sy*w+x*w/width]
			var col color.RGBA
			if signed {
				col = diverging(v)
			} else {
				g := uint8(math.Round(float64(v) * 255))
				col = color.RGBA{g, g, g, 255}
			}
			img.SetRGBA(x, y, col)
		}
	}
	return img
}

// normaliseChannel maps a channel's values to [0,1] (v-min)/(max-min) when
// none is negative, else to [-1,1] v/max|v|. A constant channel (or an
// all-zero one) gives zeros, never NaN.
func normaliseChannel(d []float32) []float32 {
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range d {
		lo, hi = min(lo, v), max(hi, v)
	}
	out := make([]float32, len(d))
	if lo < 0 {
		a := max(-lo, hi)
		for i, v := range d {
			out[i] = v / a
		}
		return out
	}
	if !(hi > lo) {
		return out
	}
	for i, v := range d {
		out[i] = (v - lo) / (hi - lo)
	}
	return out
}

// diverging maps v in [-1,1] to blue (-1), white (0), red (+1).
func diverging(v float32) color.RGBA {
	f := func(x float32) uint8 { return uint8(math.Round(float64(255 * (1 - min(max(x, 0), 1))))) }
	if v >= 0 {
		return color.RGBA{255, f(v), f(v), 255}
	}
	return color.RGBA{f(-v), f(-v), 255, 255}
}

// resizeNearest resizes img to w x h by nearest neighbour.
func resizeNearest(img *image.RGBA, w, h int) *image.RGBA {
	b := img.Bounds()
	w, h = max(w, 1), max(h, 1)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			out.SetRGBA(x, y, img.RGBAAt(b.Min.X+x*b.Dx()/w, b.Min.Y+y*b.Dy()/h))
		}
	}
	return out
}

// stack puts sections one under the other on white, each under its
// one-line title.
func stack(sections []image.Image, titles []string) *image.RGBA {
	lineH := labelFace.Height + figureGap/2
	w, h := 0, 0
	for i, s := range sections {
		w = max(w, s.Bounds().Dx(), textWidth(titles[i])+2*figureGap)
		h += lineH + s.Bounds().Dy()
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h+figureGap))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	y := figureGap
	for i, s := range sections {
		drawText(out, titles[i], figureGap, y, color.Black)
		y += lineH
		b := s.Bounds()
		draw.Draw(out, image.Rect(0, y, b.Dx(), y+b.Dy()), s, b.Min, draw.Src)
		y += b.Dy()
	}
	return out
}
