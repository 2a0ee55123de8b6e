package dataset

import "strings"

// BadFilePolicy says what ImageFolder does with files that cannot be decoded.
type BadFilePolicy int

const (
	// FailOnBad (the default) keeps every listed file; a bad one gives an
	// error naming it when it is loaded (or at construction with WithScan).
	FailOnBad BadFilePolicy = iota
	// SkipBad decodes every file inside ImageFolder, leaves out those that
	// fail and lists them in Report.Bad.
	SkipBad
)

// DefaultExtensions are the file extensions ImageFolder accepts, compared
// without regard to case.
var DefaultExtensions = []string{".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}

// Option configures ImageFolder.
type Option func(*folderConfig)

type folderConfig struct {
	classes     []string
	allowEmpty  bool
	policy      BadFilePolicy
	scan        bool
	scanWorkers int
	decode      DecodeOptions
	exts        map[string]bool
	cacheBytes  int64
}

func newFolderConfig(opts []Option) *folderConfig {
	c := &folderConfig{}
	WithExtensions(DefaultExtensions...)(c)
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

// WithClasses fixes the class list and so the labels: class i of the list
// gets label i. Use it to give a validation folder the training folder's
// mapping (val.Classes == train.Classes even when val lacks some classes).
// A listed class with no folder has no samples; a folder that is not listed
// is an error.
func WithClasses(classes []string) Option {
	cp := append([]string(nil), classes...)
	return func(c *folderConfig) { c.classes = cp }
}

// AllowEmptyClasses accepts class folders that hold no image file (they keep
// their label and have no samples). Without it such a folder is an error
// naming it.
func AllowEmptyClasses() Option {
	return func(c *folderConfig) { c.allowEmpty = true }
}

// WithBadFilePolicy chooses between failing on a bad file (FailOnBad, the
// default) and leaving bad files out (SkipBad, which decodes every file once
// inside ImageFolder).
func WithBadFilePolicy(p BadFilePolicy) Option {
	return func(c *folderConfig) { c.policy = p }
}

// WithScan makes ImageFolder decode every file before it returns (see
// Dataset.Scan). With FailOnBad it then fails with a *BadFilesError listing
// every bad file; with SkipBad the scan happens anyway.
func WithScan() Option {
	return func(c *folderConfig) { c.scan = true }
}

// WithWorkers sets how many goroutines a scan inside ImageFolder uses
// (default: GOMAXPROCS).
func WithWorkers(n int) Option {
	return func(c *folderConfig) { c.scanWorkers = n }
}

// WithDecodeOptions sets the pixel and file-size limits and the EXIF
// handling used for every file.
func WithDecodeOptions(o DecodeOptions) Option {
	return func(c *folderConfig) { c.decode = o }
}

// WithExtensions replaces the accepted file extensions (with or without the
// leading dot; case does not matter).
func WithExtensions(exts ...string) Option {
	return func(c *folderConfig) {
		c.exts = make(map[string]bool, len(exts))
		for _, e := range exts {
			e = strings.ToLower(e)
			if !strings.HasPrefix(e, ".") {
				e = "." + e
			}
			c.exts[e] = true
		}
	}
}

// WithCache keeps decoded images in memory, up to maxBytes of pixels
// (4 bytes per pixel), so later epochs skip decoding. Images past the budget
// are decoded each time. Use it for small data sets: the 600 training
// images of 224x224 take 120 MB.
func WithCache(maxBytes int64) Option {
	return func(c *folderConfig) { c.cacheBytes = maxBytes }
}
