package dataset

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/nn"
)

// indexImage returns a w x h image whose pixel (x,y) is (x, y, 10*y+x).
func indexImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), uint8(10*y + x), 255})
		}
	}
	return img
}

// at returns pixel (x,y) of img as (x, y) coordinates encoded by indexImage.
func at(img *image.RGBA, x, y int) [3]int {
	i := img.PixOffset(x, y)
	return [3]int{int(img.Pix[i]), int(img.Pix[i+1]), int(img.Pix[i+2])}
}

func TestToTensorAndNormalizeByHand(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 2, 1))
	img.Pix = []uint8{51, 255, 0, 255, 0, 102, 255, 255}
	x := ToTensor(img)
	require.Equal(t, []int{3, 1, 2}, x.Shape)
	assert.Equal(t, []float32{0.2, 0, 1, 0.4, 0, 1}, x.Data)

	// (0.2-0.485)/0.229, (0-0.485)/0.229, (1-0.456)/0.224, (0.4-0.456)/0.224,
	// (0-0.406)/0.225, (1-0.406)/0.225.
	want := []float64{-1.2445415, -2.1179039, 2.4285714, -0.25, -1.8044444, 2.64}
	y, err := Normalize{Mean: ImageNetMean, Std: ImageNetStd}.ApplyTensor(x, nil)
	require.NoError(t, err)
	for i, w := range want {
		assert.InDelta(t, w, y.Data[i], 1e-6, "element %d", i)
	}

	// Batched [N,3,H,W] and the zero value (ImageNet statistics).
	b := nn.FromData([]float32{0.485, 0.456, 0.406, 0.714, 0.680, 0.631}, 2, 3, 1, 1)
	_, err = Normalize{}.ApplyTensor(b, nil)
	require.NoError(t, err)
	for i, w := range []float64{0, 0, 0, 1, 1, 1} {
		assert.InDelta(t, w, b.Data[i], 1e-6)
	}
	_, err = Normalize{}.ApplyTensor(nn.New(4, 2, 2), nil)
	assert.ErrorContains(t, err, "[4 2 2]")
	assert.ErrorContains(t, NormalizeInPlace(nn.New(3, 1, 1), ImageNetMean, [3]float32{1, 0, 1}), "std[1]")
	short := &nn.Tensor{Shape: []int{3, 2, 2}, Data: make([]float32, 5)}
	assert.ErrorContains(t, NormalizeInPlace(short, ImageNetMean, ImageNetStd), "holds 5 values, want 12")
	assert.ErrorContains(t, NormalizeInPlace(nil, ImageNetMean, ImageNetStd), "nil tensor")
	assert.Equal(t, []int{3, 0, 0}, ToTensor(nil).Shape)
}

func TestCenterCropOffsetsRoundHalfToEven(t *testing.T) {
	for _, tc := range []struct{ n, c, want int }{
		{5, 2, 2}, // round(1.5) = 2
		{7, 2, 2}, // round(2.5) = 2 (Python rounds half to even)
		{9, 2, 4}, // round(3.5) = 4
		{8, 3, 2}, // round(2.5) = 2
		{256, 224, 16},
		{257, 224, 16}, // round(16.5) = 16
		{259, 224, 18}, // round(17.5) = 18
		{224, 224, 0},
		{3, 6, -1}, // padded: (6-3)//2 = 1 row before
		{2, 5, -1},
	} {
		top, left := CenterCropOffsets(tc.n, 10, tc.c, 10)
		assert.Equal(t, tc.want, top, "H=%d crop %d", tc.n, tc.c)
		assert.Equal(t, 0, left)
		top, left = CenterCropOffsets(10, tc.n, 10, tc.c)
		assert.Equal(t, tc.want, left, "W=%d crop %d", tc.n, tc.c)
		assert.Equal(t, 0, top)
	}
}

func TestCenterCropPixels(t *testing.T) {
	img := indexImage(7, 5)
	out, err := CenterCrop{Height: 2, Width: 2}.Apply(img, nil)
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 2, 2), out.Bounds())
	// top = round(1.5) = 2, left = round(2.5) = 2
	assert.Equal(t, [3]int{2, 2, 22}, at(out, 0, 0))
	assert.Equal(t, [3]int{3, 3, 33}, at(out, 1, 1))

	// Larger than the image: black padding, (4-2)//2 = 1 before.
	small := indexImage(2, 2)
	out, err = CenterCrop{Height: 4, Width: 5}.Apply(small, nil)
	require.NoError(t, err)
	assert.Equal(t, [3]int{0, 0, 0}, at(out, 0, 0))
	assert.Equal(t, [3]int{0, 0, 0}, at(out, 1, 1), "left pad is (5-2)//2 = 1... pixel (1,1) is source (0,0)")
	assert.Equal(t, [3]int{1, 1, 11}, at(out, 2, 2))
	assert.Equal(t, [3]int{0, 0, 0}, at(out, 4, 3))
	for i := 3; i < len(out.Pix); i += 4 {
		require.Equal(t, uint8(255), out.Pix[i])
	}
	_, err = CenterCrop{}.Apply(small, nil)
	assert.Error(t, err)
}

func TestFlips(t *testing.T) {
	img := indexImage(3, 2)
	h := FlipHorizontal(img)
	v := FlipVertical(img)
	for y := 0; y < 2; y++ {
		for x := 0; x < 3; x++ {
			assert.Equal(t, at(img, 2-x, y), at(h, x, y))
			assert.Equal(t, at(img, x, 1-y), at(v, x, y))
		}
	}
	assert.Equal(t, img.Pix, FlipHorizontal(h).Pix)
	assert.Equal(t, indexImage(3, 2).Pix, img.Pix, "input unchanged")

	always, err := RandomHorizontalFlip{P: 1}.Apply(img, nil)
	require.NoError(t, err)
	assert.Equal(t, h.Pix, always.Pix)
	always, err = RandomVerticalFlip{P: 1}.Apply(img, nil)
	require.NoError(t, err)
	assert.Equal(t, v.Pix, always.Pix)

	// P = 0.5 (the zero value) flips about half the time.
	rng := rand.New(rand.NewPCG(1, 2))
	flipped := 0
	for range 1000 {
		out, err := RandomHorizontalFlip{}.Apply(img, rng)
		require.NoError(t, err)
		if at(out, 0, 0) != at(img, 0, 0) {
			flipped++
		}
	}
	assert.InDelta(t, 500, flipped, 60)
}

func TestResizeShorterSide(t *testing.T) {
	for _, tc := range []struct{ h, w, size, wh, ww int }{
		{300, 200, 256, 384, 256},
		{200, 300, 256, 256, 384},
		{225, 224, 256, 257, 256}, // int(256*225/224) = int(257.14)
		{224, 224, 256, 256, 256},
		{31, 44, 16, 16, 22},
		{100, 333, 10, 10, 33},
	} {
		h, w, err := ResizeShorter(tc.h, tc.w, tc.size)
		require.NoError(t, err)
		assert.Equal(t, [2]int{tc.wh, tc.ww}, [2]int{h, w}, "%dx%d -> %d", tc.h, tc.w, tc.size)
	}
	_, _, err := ResizeShorter(0, 5, 3)
	assert.Error(t, err)

	img := indexImage(6, 4)
	out, err := Resize{Size: 2}.Apply(img, nil)
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 3, 2), out.Bounds())
	out, err = Resize{Height: 5, Width: 7}.Apply(img, nil)
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 7, 5), out.Bounds())
	same, err := Resize{Size: 4}.Apply(img, nil)
	require.NoError(t, err)
	assert.Same(t, img, same)
	_, err = Resize{}.Apply(img, nil)
	assert.Error(t, err)
	// A 1x300000 strip would become 256x76800000: refused, not allocated.
	_, err = Resize{Size: 256}.Apply(image.NewRGBA(image.Rect(0, 0, 300000, 1)), nil)
	assert.ErrorContains(t, err, "out of range")
}

func TestResizeIsAntialiasedBilinear(t *testing.T) {
	// Columns 0, 100, 200, 250, repeated on 4 rows, halved to 2x2. The
	// triangle filter widened by the scale 2 puts output column 0 at source
	// 0.5 with weights 0.75, 0.75, 0.25 on columns 0, 1, 2 (column -1 is
	// outside): (0*.75 + 100*.75 + 200*.25)/1.75 = 71.4; column 1 at 2.5:
	// (100*.25 + 200*.75 + 250*.75)/1.75 = 207.1.
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	cols := []uint8{0, 100, 200, 250}
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			img.SetRGBA(x, y, color.RGBA{cols[x], cols[x], cols[x], 255})
		}
	}
	out, err := Resize{Size: 2}.Apply(img, nil)
	require.NoError(t, err)
	for y := 0; y < 2; y++ {
		assert.InDelta(t, 71.4, float64(at(out, 0, y)[0]), 1)
		assert.InDelta(t, 207.1, float64(at(out, 1, y)[0]), 1)
	}
	// A flat image stays flat.
	flat := image.NewRGBA(image.Rect(0, 0, 37, 23))
	for i := range flat.Pix {
		flat.Pix[i] = []uint8{90, 160, 30, 255}[i%4]
	}
	out, err = Resize{Size: 11}.Apply(flat, nil)
	require.NoError(t, err)
	for i := range out.Pix {
		require.Equal(t, flat.Pix[i%4], out.Pix[i])
	}
}

func TestRandomResizedCropParams(t *testing.T) {
	scale, ratio := [2]float64{0.08, 1}, [2]float64{3.0 / 4, 4.0 / 3}
	rng := rand.New(rand.NewPCG(7, 7))
	for range 2000 {
		h, w := 20+rng.IntN(300), 20+rng.IntN(300)
		top, left, ch, cw := RandomResizedCropParams(h, w, scale, ratio, rng)
		require.True(t, ch > 0 && cw > 0 && top >= 0 && left >= 0 && top+ch <= h && left+cw <= w,
			"crop (%d,%d,%d,%d) of %dx%d", top, left, ch, cw, h, w)
	}
	// Area and aspect ratio are in range for a large image (rounding aside).
	for range 500 {
		top, left, ch, cw := RandomResizedCropParams(1000, 1000, scale, ratio, rng)
		_, _ = top, left
		a := float64(ch*cw) / 1e6
		r := float64(cw) / float64(ch)
		assert.True(t, a >= 0.079 && a <= 1.0, "area %v", a)
		assert.True(t, r >= 0.74 && r <= 1.34, "ratio %v", r)
	}
	// Impossible scale: centre-crop fallback clamped to the ratio range.
	for _, tc := range []struct{ h, w, top, left, ch, cw int }{
		{100, 50, 16, 0, 67, 50}, // ratio 0.5 < 3/4: h = round(50/0.75) = 67
		{50, 100, 0, 16, 50, 67}, // ratio 2 > 4/3: w = round(50*4/3) = 67, left = 33//2
		{60, 70, 0, 0, 60, 70},   // ratio in range: whole image
	} {
		top, left, ch, cw := RandomResizedCropParams(tc.h, tc.w, [2]float64{2, 3}, ratio, rng)
		assert.Equal(t, [4]int{tc.top, tc.left, tc.ch, tc.cw}, [4]int{top, left, ch, cw}, "%dx%d", tc.h, tc.w)
	}

	img := indexImage(30, 20)
	a, err := RandomResizedCrop{Size: 8}.Apply(img, rand.New(rand.NewPCG(3, 4)))
	require.NoError(t, err)
	b, err := RandomResizedCrop{Size: 8}.Apply(img, rand.New(rand.NewPCG(3, 4)))
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 8, 8), a.Bounds())
	assert.Equal(t, a.Pix, b.Pix, "same generator state, same crop")
	_, err = RandomResizedCrop{Size: 8}.Apply(img, nil)
	assert.Error(t, err)
}

func TestRotate(t *testing.T) {
	img := indexImage(4, 4)
	assert.Equal(t, img.Pix, Rotate(img, 0, color.RGBA{}).Pix)
	// 90 degrees counter-clockwise is EXIF orientation 8, 180 is 3.
	assert.Equal(t, ApplyOrientation(img, 8).Pix, Rotate(img, 90, color.RGBA{}).Pix)
	assert.Equal(t, ApplyOrientation(img, 6).Pix, Rotate(img, -90, color.RGBA{}).Pix)
	assert.Equal(t, ApplyOrientation(img, 3).Pix, Rotate(img, 180, color.RGBA{}).Pix)
	// Top-left of a 90-degree CCW turn shows the old top-right.
	assert.Equal(t, at(img, 3, 0), at(Rotate(img, 90, color.RGBA{}), 0, 0))

	// 45 degrees: corners are outside the source and take the fill.
	fill := color.RGBA{9, 8, 7, 0}
	r := Rotate(indexImage(10, 10), 45, fill)
	assert.Equal(t, [3]int{9, 8, 7}, at(r, 0, 0))
	assert.Equal(t, [3]int{9, 8, 7}, at(r, 9, 9))
	assert.Equal(t, uint8(255), r.Pix[3])
	assert.NotEqual(t, [3]int{9, 8, 7}, at(r, 5, 5))

	same, err := RandomRotation{Degrees: 0}.Apply(img, rand.New(rand.NewPCG(1, 1)))
	require.NoError(t, err)
	assert.Equal(t, img.Pix, same.Pix)
	_, err = RandomRotation{Degrees: -1}.Apply(img, rand.New(rand.NewPCG(1, 1)))
	assert.Error(t, err)
}

func TestColorAdjustmentsByHand(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 2, 1))
	img.Pix = []uint8{255, 0, 0, 255, 100, 200, 40, 255}

	assert.Equal(t, []uint8{0, 0, 0, 255, 0, 0, 0, 255}, AdjustBrightness(img, 0).Pix)
	assert.Equal(t, img.Pix, AdjustBrightness(img, 1).Pix)
	assert.Equal(t, []uint8{255, 0, 0, 255, 150, 255, 60, 255}, AdjustBrightness(img, 1.5).Pix)

	// PIL luma: (255*19595 + 32768) >> 16 = 76; (100*19595+200*38470+40*7471+32768)>>16 = 152.
	assert.Equal(t, []uint8{76, 76, 76, 255, 152, 152, 152, 255}, AdjustSaturation(img, 0).Pix)
	// Mean luma (76+152)/2 = 114 -> int(114+0.5) = 114.
	assert.Equal(t, []uint8{114, 114, 114, 255, 114, 114, 114, 255}, AdjustContrast(img, 0).Pix)
	// blend truncates: 114 + 2*(255-114) = 396 -> 255; 114 + 2*(0-114) = -114 -> 0; 114+2*(100-114) = 86.
	assert.Equal(t, []uint8{255, 0, 0, 255, 86, 255, 0, 255}, AdjustContrast(img, 2).Pix)

	// Hue +1/3 turn on pure red: hue byte 0 + uint8(int(0.3333*255)) = 84;
	// PIL's hsv2rgb gives (round(255*(1-f)), 255, 0) with f = 84*6/255 - 1.
	red := image.NewRGBA(image.Rect(0, 0, 1, 1))
	red.Pix = []uint8{255, 0, 0, 255}
	assert.Equal(t, []uint8{6, 255, 0, 255}, AdjustHue(red, 0.3333).Pix)
	assert.Equal(t, []uint8{255, 0, 0, 255}, AdjustHue(red, 0).Pix)
	// A gray pixel has no hue to shift.
	gray := image.NewRGBA(image.Rect(0, 0, 1, 1))
	gray.Pix = []uint8{77, 77, 77, 255}
	assert.Equal(t, gray.Pix, AdjustHue(gray, 0.4).Pix)
}

func TestColorJitter(t *testing.T) {
	img := indexImage(8, 8)
	same, err := ColorJitter{}.Apply(img, nil)
	require.NoError(t, err)
	assert.Same(t, img, same)

	cj := ColorJitter{Brightness: 0.4, Contrast: 0.4, Saturation: 0.4, Hue: 0.1}
	a, err := cj.Apply(img, rand.New(rand.NewPCG(5, 6)))
	require.NoError(t, err)
	b, err := cj.Apply(img, rand.New(rand.NewPCG(5, 6)))
	require.NoError(t, err)
	c, err := cj.Apply(img, rand.New(rand.NewPCG(5, 7)))
	require.NoError(t, err)
	assert.Equal(t, a.Pix, b.Pix)
	assert.NotEqual(t, a.Pix, c.Pix)
	assert.Equal(t, indexImage(8, 8).Pix, img.Pix, "input unchanged")

	for _, bad := range []ColorJitter{{Hue: 0.6}, {Brightness: -1}, {Contrast: math.NaN()}} {
		_, err := bad.Apply(img, rand.New(rand.NewPCG(1, 1)))
		assert.Error(t, err, "%+v", bad)
	}
}

func TestComposeAndPresets(t *testing.T) {
	img := indexImage(40, 30)
	x, err := EvalTransform(32, 28).Apply(img, nil)
	require.NoError(t, err)
	assert.Equal(t, []int{3, 28, 28}, x.Shape)

	x, err = EvalTransform(0, 0).Apply(img, nil)
	require.NoError(t, err)
	assert.Equal(t, []int{3, 30, 40}, x.Shape)
	want := ToTensor(img)
	require.NoError(t, NormalizeInPlace(want, ImageNetMean, ImageNetStd))
	assert.Equal(t, want.Data, x.Data)

	x, err = TrainTransform(16).Apply(img, rand.New(rand.NewPCG(1, 2)))
	require.NoError(t, err)
	assert.Equal(t, []int{3, 16, 16}, x.Shape)

	_, err = TrainTransform(16).Apply(img, nil)
	assert.Error(t, err, "random transform without a generator")
	_, err = Compose{}.Apply(nil, nil)
	assert.Error(t, err)

	back, err := TensorToImage(ToTensor(img))
	require.NoError(t, err)
	assert.Equal(t, img.Pix, back.Pix)
}
