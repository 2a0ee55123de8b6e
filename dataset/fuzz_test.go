package dataset

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// fuzzMaxPixels bounds the images the fuzz target decodes (4 MB of RGBA).
const fuzzMaxPixels = 1 << 20

// FuzzDecodeImage feeds arbitrary bytes to Decode: it must never panic,
// must refuse headers over the pixel limit before decoding, and any image
// it returns must be opaque RGBA of a size within the limit, with no
// partial image alongside an error. Seeds: encodings of each colour type
// built here, plus testdata/fuzz/FuzzDecodeImage (WebP, CMYK JPEG, palette
// PNGs, their truncated halves, and a text file).
func FuzzDecodeImage(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = JPEGOrientation(data)
		img, err := Decode(data, DecodeOptions{MaxPixels: fuzzMaxPixels})
		if err != nil {
			if img != nil {
				t.Fatalf("image returned with error %v", err)
			}
			return
		}
		b := img.Bounds()
		w, h := b.Dx(), b.Dy()
		if b.Min != (image.Point{}) || w <= 0 || h <= 0 || w*h > fuzzMaxPixels {
			t.Fatalf("bad bounds %v", b)
		}
		if len(img.Pix) != 4*w*h || img.Stride != 4*w {
			t.Fatalf("%d bytes, stride %d for %dx%d", len(img.Pix), img.Stride, w, h)
		}
		for i := 3; i < len(img.Pix); i += 4 {
			if img.Pix[i] != 0xff {
				t.Fatalf("alpha %d at byte %d", img.Pix[i], i)
			}
		}
		if x := ToTensor(img); x.Shape[0] != 3 || x.Shape[1] != h || x.Shape[2] != w {
			t.Fatalf("tensor shape %v for %dx%d", x.Shape, w, h)
		}
	})
}

// fuzzSeeds returns small encodings of each image kind the decoders see.
func fuzzSeeds(f *testing.F) [][]byte {
	enc := func(fn func(*bytes.Buffer) error) []byte {
		var buf bytes.Buffer
		if err := fn(&buf); err != nil {
			f.Fatal(err)
		}
		return buf.Bytes()
	}
	nrgba := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i := range nrgba.Pix {
		nrgba.Pix[i] = uint8(37 * i)
	}
	gray := image.NewGray(image.Rect(0, 0, 3, 2))
	gray.Pix = []uint8{0, 64, 128, 192, 255, 17}
	g16 := image.NewGray16(image.Rect(0, 0, 2, 2))
	rgb16 := image.NewNRGBA64(image.Rect(0, 0, 2, 1))
	rgb16.SetNRGBA64(0, 0, color.NRGBA64{0x1234, 0x5678, 0x9abc, 0x0f0f})
	pal := image.NewPaletted(image.Rect(0, 0, 3, 2), color.Palette{color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 128, 255, 0}})
	pal.Pix = []uint8{0, 1, 0, 1, 1, 0}
	block := image.NewRGBA(image.Rect(0, 0, 16, 8))
	for i := range block.Pix {
		block.Pix[i] = uint8(11 * i)
	}
	jpg := enc(func(b *bytes.Buffer) error { return jpeg.Encode(b, block, &jpeg.Options{Quality: 50}) })
	seeds := [][]byte{
		enc(func(b *bytes.Buffer) error { return png.Encode(b, nrgba) }),
		enc(func(b *bytes.Buffer) error { return png.Encode(b, gray) }),
		enc(func(b *bytes.Buffer) error { return png.Encode(b, g16) }),
		enc(func(b *bytes.Buffer) error { return png.Encode(b, rgb16) }),
		enc(func(b *bytes.Buffer) error { return png.Encode(b, pal) }),
		jpg,
		exifJPEG(jpg, 6),
		enc(func(b *bytes.Buffer) error { return jpeg.Encode(b, gray, nil) }),
		enc(func(b *bytes.Buffer) error { return bmp.Encode(b, nrgba) }),
		enc(func(b *bytes.Buffer) error { return bmp.Encode(b, pal) }),
		enc(func(b *bytes.Buffer) error { return tiff.Encode(b, nrgba, &tiff.Options{Compression: tiff.Deflate}) }),
		enc(func(b *bytes.Buffer) error { return tiff.Encode(b, gray, nil) }),
		{},
	}
	return seeds
}

// exifJPEG inserts a big-endian Exif APP1 segment with one orientation tag.
func exifJPEG(jpg []byte, o uint16) []byte {
	t := []byte("MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00")
	binary.BigEndian.PutUint16(t[18:], o)
	payload := append([]byte("Exif\x00\x00"), t...)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append(append(append([]byte{}, jpg[:2]...), seg...), payload...)
	return append(out, jpg[2:]...)
}

func TestExifJPEGSeed(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 2)), nil); err != nil {
		t.Fatal(err)
	}
	data := exifJPEG(buf.Bytes(), 6)
	if o := JPEGOrientation(data); o != 6 {
		t.Fatalf("orientation %d, want 6", o)
	}
	img, err := Decode(data, DecodeOptions{})
	if err != nil || img.Bounds().Dx() != 2 || img.Bounds().Dy() != 4 {
		t.Fatalf("got %v, %v; want a 2x4 image", img.Bounds(), err)
	}
}
