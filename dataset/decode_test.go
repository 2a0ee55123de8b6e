package dataset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// pattern returns a w x h NRGBA image with distinct opaque colours.
func pattern(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(40 * x), uint8(60 * y), uint8(7*x + 11*y), 255})
		}
	}
	return img
}

func encode(t *testing.T, f func(*bytes.Buffer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, f(&buf))
	return buf.Bytes()
}

func TestDecodeLosslessFormats(t *testing.T) {
	src := pattern(5, 3)
	cases := map[string][]byte{
		"png":  encode(t, func(b *bytes.Buffer) error { return png.Encode(b, src) }),
		"bmp":  encode(t, func(b *bytes.Buffer) error { return bmp.Encode(b, src) }),
		"tiff": encode(t, func(b *bytes.Buffer) error { return tiff.Encode(b, src, nil) }),
		"tiff-deflate": encode(t, func(b *bytes.Buffer) error {
			return tiff.Encode(b, src, &tiff.Options{Compression: tiff.Deflate})
		}),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			img, err := Decode(data, DecodeOptions{})
			require.NoError(t, err)
			assert.Equal(t, rgbHWC(ToRGB(src)), rgbHWC(img))
		})
	}
}

func TestDecodeSixteenBitScalesByHighByte(t *testing.T) {
	rgb := image.NewNRGBA64(image.Rect(0, 0, 2, 1))
	rgb.SetNRGBA64(0, 0, color.NRGBA64{0x1234, 0xff00, 0x00ff, 0xffff})
	rgb.SetNRGBA64(1, 0, color.NRGBA64{0xabcd, 0x8080, 0x7f7f, 0x0000}) // transparent: straight values kept
	gray := image.NewGray16(image.Rect(0, 0, 2, 1))
	gray.SetGray16(0, 0, color.Gray16{0xfedc})
	gray.SetGray16(1, 0, color.Gray16{0x00ff})
	for _, tc := range []struct {
		name string
		img  image.Image
		want [][][3]int
	}{
		{"nrgba64", rgb, [][][3]int{{{0x12, 0xff, 0x00}, {0xab, 0x80, 0x7f}}}},
		{"gray16", gray, [][][3]int{{{0xfe, 0xfe, 0xfe}, {0x00, 0x00, 0x00}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := encode(t, func(b *bytes.Buffer) error { return png.Encode(b, tc.img) })
			img, err := Decode(data, DecodeOptions{})
			require.NoError(t, err)
			assert.Equal(t, tc.want, rgbHWC(img))
		})
	}
}

// TestToRGBFastPathsMatchFallback checks every fast path against the
// general color.NRGBA64Model path (through a wrapper that hides the type).
func TestToRGBFastPathsMatchFallback(t *testing.T) {
	nrgba := pattern(7, 5)
	nrgba.SetNRGBA(1, 1, color.NRGBA{10, 20, 30, 0})
	nrgba.SetNRGBA(2, 1, color.NRGBA{200, 100, 50, 128})
	rgba := image.NewRGBA(nrgba.Rect)
	for i := range rgba.Pix {
		rgba.Pix[i] = nrgba.Pix[i]
	}
	rgba.SetRGBA(3, 3, color.RGBA{64, 32, 16, 128}) // premultiplied; straight (127,63,31) as color.NRGBAModel
	ycc := image.NewYCbCr(image.Rect(0, 0, 7, 5), image.YCbCrSubsampleRatio420)
	for i := range ycc.Y {
		ycc.Y[i] = uint8(17 * i)
	}
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = uint8(90+13*i), uint8(200-9*i)
	}
	gray := image.NewGray(image.Rect(0, 0, 7, 5))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(7 * i)
	}
	pal := image.NewPaletted(image.Rect(0, 0, 7, 5), color.Palette{
		color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 128, 255, 0}, color.RGBA{17, 34, 51, 255}})
	for i := range pal.Pix {
		pal.Pix[i] = uint8(i % 3)
	}
	cmyk := image.NewCMYK(image.Rect(0, 0, 7, 5))
	for i := range cmyk.Pix {
		cmyk.Pix[i] = uint8(31 * i)
	}
	nycc := &image.NYCbCrA{YCbCr: *ycc, A: make([]uint8, 35), AStride: 7}
	// A sub-image: bounds not at the origin.
	sub := pattern(9, 9).SubImage(image.Rect(2, 3, 8, 7))
	for name, img := range map[string]image.Image{
		"nrgba": nrgba, "rgba": rgba, "ycbcr": ycc, "nycbcra": nycc, "gray": gray, "paletted": pal, "cmyk": cmyk, "sub-nrgba": sub,
	} {
		t.Run(name, func(t *testing.T) {
			fast := ToRGB(img)
			slow := ToRGB(hidden{img})
			assert.Equal(t, rgbHWC(slow), rgbHWC(fast))
			assert.Equal(t, image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()), fast.Bounds())
			for i := 3; i < len(fast.Pix); i += 4 {
				require.Equal(t, uint8(255), fast.Pix[i])
			}
		})
	}
	assert.Equal(t, [3]int{10, 20, 30}, rgbHWC(ToRGB(nrgba))[1][1], "alpha 0 keeps the straight colour")
	assert.Equal(t, ToRGB(ycc).Pix, ToRGB(nycc).Pix, "NYCbCrA with alpha 0 keeps its colour")
	assert.Equal(t, [3]int{127, 63, 31}, rgbHWC(ToRGB(rgba))[3][3], "premultiplied RGBA is made straight")
	assert.Equal(t, [3]int{0, 128, 255}, rgbHWC(ToRGB(pal))[0][1], "palette transparency ignored")
}

// hidden hides an image's concrete type so ToRGB takes the general path.
type hidden struct{ image.Image }

func TestDecodeJPEGVariants(t *testing.T) {
	base, err := DecodeFile(filepath.Join("testdata", "video-001.q50.420.jpeg"), DecodeOptions{})
	require.NoError(t, err)
	prog, err := DecodeFile(filepath.Join("testdata", "video-001.q50.420.progressive.jpeg"), DecodeOptions{})
	require.NoError(t, err)
	require.Equal(t, base.Bounds(), prog.Bounds())
	assert.Equal(t, base.Pix, prog.Pix, "progressive and baseline encodings of the same data")

	gray, err := DecodeFile(filepath.Join("testdata", "video-005.gray.q50.jpeg"), DecodeOptions{})
	require.NoError(t, err)
	for i := 0; i < len(gray.Pix); i += 4 {
		require.Equal(t, gray.Pix[i], gray.Pix[i+1])
		require.Equal(t, gray.Pix[i], gray.Pix[i+2])
	}
}

func TestDecodeWebP(t *testing.T) {
	webp, err := DecodeFile(filepath.Join("testdata", "blue-purple-pink.lossless.webp"), DecodeOptions{})
	require.NoError(t, err)
	ref, err := DecodeFile(filepath.Join("testdata", "blue-purple-pink.png"), DecodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, ref.Bounds(), webp.Bounds())
	assert.Equal(t, ref.Pix, webp.Pix, "lossless WebP equals its PNG")
}

// withOrientation inserts an Exif APP1 segment holding the orientation tag
// right after a JPEG's SOI marker.
func withOrientation(t *testing.T, jpg []byte, o uint16, order binary.ByteOrder) []byte {
	t.Helper()
	var tiffHdr bytes.Buffer
	if order == binary.LittleEndian {
		tiffHdr.WriteString("II*\x00")
	} else {
		tiffHdr.WriteString("MM\x00*")
	}
	w := func(v any) { require.NoError(t, binary.Write(&tiffHdr, order, v)) }
	w(uint32(8))      // IFD0 offset
	w(uint16(2))      // entries
	w(uint16(0x010f)) // Make, ASCII, skipped
	w(uint16(2))
	w(uint32(4))
	w([4]byte{'G', 'o', '!', 0})
	w(uint16(0x0112)) // Orientation, SHORT, 1
	w(uint16(3))
	w(uint32(1))
	w(o)
	w(uint16(0))
	w(uint32(0)) // next IFD
	payload := append([]byte("Exif\x00\x00"), tiffHdr.Bytes()...)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

func TestEXIFOrientation(t *testing.T) {
	// A 3x2 image of flat 8x8 blocks so JPEG keeps the colours close.
	const s = 8
	colours := [2][3]color.RGBA{
		{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}},
		{{255, 255, 0, 255}, {0, 255, 255, 255}, {255, 0, 255, 255}},
	}
	src := image.NewRGBA(image.Rect(0, 0, 3*s, 2*s))
	for y := 0; y < 2*s; y++ {
		for x := 0; x < 3*s; x++ {
			src.SetRGBA(x, y, colours[y/s][x/s])
		}
	}
	jpg := encode(t, func(b *bytes.Buffer) error { return jpeg.Encode(b, src, &jpeg.Options{Quality: 100}) })
	// blocks[o] is the block grid (rows of colour names) shown upright.
	R, G, B, Y, C, M := "R", "G", "B", "Y", "C", "M"
	want := map[uint16][][]string{
		1: {{R, G, B}, {Y, C, M}},
		2: {{B, G, R}, {M, C, Y}},
		3: {{M, C, Y}, {B, G, R}},
		4: {{Y, C, M}, {R, G, B}},
		5: {{R, Y}, {G, C}, {B, M}},
		6: {{Y, R}, {C, G}, {M, B}},
		7: {{M, B}, {C, G}, {Y, R}},
		8: {{B, M}, {G, C}, {R, Y}},
	}
	name := func(p [3]int) string {
		for n, c := range map[string][3]int{R: {255, 0, 0}, G: {0, 255, 0}, B: {0, 0, 255}, Y: {255, 255, 0}, C: {0, 255, 255}, M: {255, 0, 255}} {
			if abs(p[0]-c[0]) < 40 && abs(p[1]-c[1]) < 40 && abs(p[2]-c[2]) < 40 {
				return n
			}
		}
		return "?"
	}
	for o, grid := range want {
		for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			data := withOrientation(t, jpg, o, order)
			require.Equal(t, int(o), JPEGOrientation(data))
			img, err := Decode(data, DecodeOptions{})
			require.NoError(t, err)
			px := rgbHWC(img)
			require.Equal(t, len(grid)*s, len(px), "orientation %d height", o)
			require.Equal(t, len(grid[0])*s, len(px[0]), "orientation %d width", o)
			for by, row := range grid {
				for bx, want := range row {
					assert.Equal(t, want, name(px[by*s+s/2][bx*s+s/2]), "orientation %d block (%d,%d)", o, by, bx)
				}
			}
		}
	}
	raw, err := Decode(withOrientation(t, jpg, 6, binary.BigEndian), DecodeOptions{IgnoreOrientation: true})
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 3*s, 2*s), raw.Bounds())
	assert.Equal(t, 1, JPEGOrientation(jpg), "no Exif")
	assert.Equal(t, 1, JPEGOrientation(withOrientation(t, jpg, 9, binary.BigEndian)), "invalid value")
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestDecodeRejects(t *testing.T) {
	png10x10 := encode(t, func(b *bytes.Buffer) error { return png.Encode(b, pattern(10, 10)) })
	for _, tc := range []struct {
		name    string
		data    []byte
		opts    DecodeOptions
		tooBig  bool
		message string
	}{
		{"empty", nil, DecodeOptions{}, false, "empty"},
		{"text", []byte("this is not an image\n"), DecodeOptions{}, false, "unknown format"},
		{"truncated png", png10x10[:len(png10x10)/2], DecodeOptions{}, false, "png"},
		{"over the pixel limit", png10x10, DecodeOptions{MaxPixels: 99}, true, "10x10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Decode(tc.data, tc.opts)
			require.Error(t, err)
			assert.Nil(t, img)
			assert.Contains(t, err.Error(), tc.message)
			assert.Equal(t, tc.tooBig, errors.Is(err, ErrTooLarge))
		})
	}
	img, err := Decode(png10x10, DecodeOptions{MaxPixels: 100})
	require.NoError(t, err)
	assert.Equal(t, 10, img.Bounds().Dx())

	// A PNG header claiming 100000x100000 is refused before decoding.
	huge := append([]byte{}, png10x10...)
	binary.BigEndian.PutUint32(huge[16:], 100000)
	binary.BigEndian.PutUint32(huge[20:], 100000)
	binary.BigEndian.PutUint32(huge[29:], crc32.ChecksumIEEE(huge[12:29])) // IHDR CRC
	_, err = Decode(huge, DecodeOptions{})
	require.ErrorIs(t, err, ErrTooLarge)

	p := filepath.Join(t.TempDir(), "big.png")
	require.NoError(t, os.WriteFile(p, png10x10, 0o644))
	_, err = DecodeFile(p, DecodeOptions{MaxFileBytes: 10})
	require.ErrorIs(t, err, ErrTooLarge)
	assert.Contains(t, err.Error(), p)
	_, err = DecodeFile(filepath.Join(t.TempDir(), "missing.png"), DecodeOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.png")
}
