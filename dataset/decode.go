package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // register JPEG
	_ "image/png"  // register PNG
	"io"
	"os"

	_ "golang.org/x/image/bmp"  // register BMP
	_ "golang.org/x/image/tiff" // register TIFF
	_ "golang.org/x/image/webp" // register WebP
)

// Default limits for DecodeOptions.
const (
	// DefaultMaxPixels is the largest width*height accepted: 50 megapixels
	// (200 MB once decoded to RGBA).
	DefaultMaxPixels = 50_000_000
	// DefaultMaxFileBytes is the largest file read: 256 MiB.
	DefaultMaxFileBytes = 256 << 20
)

// ErrTooLarge is wrapped by decode errors for images whose header claims
// more pixels than allowed, or files larger than allowed.
var ErrTooLarge = errors.New("image too large")

// DecodeOptions bounds the work and memory of a decode. The zero value uses
// the defaults.
type DecodeOptions struct {
	// MaxPixels is the largest width*height accepted (checked on the header,
	// before the pixels are decoded). 0 means DefaultMaxPixels.
	MaxPixels int
	// MaxFileBytes is the largest file DecodeFile reads. 0 means
	// DefaultMaxFileBytes.
	MaxFileBytes int64
	// IgnoreOrientation leaves JPEG pixels as stored instead of applying
	// the EXIF orientation tag.
	IgnoreOrientation bool
}

func (o DecodeOptions) maxPixels() int {
	if o.MaxPixels <= 0 {
		return DefaultMaxPixels
	}
	return o.MaxPixels
}

func (o DecodeOptions) maxFileBytes() int64 {
	if o.MaxFileBytes <= 0 {
		return DefaultMaxFileBytes
	}
	return o.MaxFileBytes
}

// DecodeFile reads and decodes the image at path into opaque 8-bit RGB (see
// Decode). Every error names the path.
func DecodeFile(path string, opts DecodeOptions) (*image.RGBA, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	if st.Size() > opts.maxFileBytes() {
		return nil, fmt.Errorf("dataset: %s: file of %d bytes exceeds the %d-byte limit: %w",
			path, st.Size(), opts.maxFileBytes(), ErrTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(f, opts.maxFileBytes()+1))
	if err != nil {
		return nil, fmt.Errorf("dataset: reading %s: %w", path, err)
	}
	img, err := Decode(data, opts)
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: %w", path, err)
	}
	return img, nil
}

// Decode decodes an encoded image (PNG, JPEG, BMP, TIFF or WebP, recognised
// by content, not name) into an opaque *image.RGBA with bounds starting at
// (0,0): alpha dropped without premultiplying, gray and palette expanded,
// 16-bit samples scaled by v>>8, and for JPEG the EXIF orientation applied.
//
// The header is checked against opts.MaxPixels before any pixel is decoded,
// and a panic inside a decoder is returned as an error, so Decode is safe on
// any bytes. Errors do not name a file; DecodeFile adds the path.
func Decode(data []byte, opts DecodeOptions) (img *image.RGBA, err error) {
	if len(data) == 0 {
		return nil, errors.New("empty file (0 bytes)")
	}
	cfg, format, err := safeDecodeConfig(data)
	if err != nil {
		return nil, fmt.Errorf("reading image header: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%s image has empty size %dx%d", format, cfg.Width, cfg.Height)
	}
	if limit := opts.maxPixels(); cfg.Width > limit || cfg.Height > limit || cfg.Width*cfg.Height > limit {
		return nil, fmt.Errorf("%s image is %dx%d, more than %d pixels: %w",
			format, cfg.Width, cfg.Height, limit, ErrTooLarge)
	}
	src, format, err := safeDecode(data)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", format, err)
	}
	b := src.Bounds()
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, fmt.Errorf("decoding %s: header says %dx%d but pixels are %dx%d",
			format, cfg.Width, cfg.Height, b.Dx(), b.Dy())
	}
	out := ToRGB(src)
	if format == "jpeg" && !opts.IgnoreOrientation {
		out = ApplyOrientation(out, JPEGOrientation(data))
	}
	return out, nil
}

// safeDecodeConfig is image.DecodeConfig with a recover.
func safeDecodeConfig(data []byte) (cfg image.Config, format string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoder panicked: %v", r)
		}
	}()
	return image.DecodeConfig(bytes.NewReader(data))
}

// safeDecode is image.Decode with a recover.
func safeDecode(data []byte) (img image.Image, format string, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("decoder panicked: %v", r)
		}
	}()
	return image.Decode(bytes.NewReader(data))
}
