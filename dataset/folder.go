package dataset

import (
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Sample is one image file and its class label.
type Sample struct {
	// Path is the file's path (root joined with class and file name).
	Path string
	// Label is the index of the sample's class in Dataset.Classes.
	Label int
}

// Skipped is an entry that ImageFolder did not take as a class or sample.
type Skipped struct {
	// Path of the file or folder.
	Path string
	// Reason is "hidden", "not an image" or "outside a class folder".
	Reason string
}

// BadFile is a file that failed to decode.
type BadFile struct {
	// Path of the file.
	Path string
	// Err is the decode error; its message names Path.
	Err error
}

// Report says what ImageFolder skipped and, after a scan, which files were
// bad.
type Report struct {
	// Hidden counts hidden files and folders skipped (names starting with
	// '.', Thumbs.db, desktop.ini, __MACOSX).
	Hidden int
	// NonImage counts files skipped because of their extension.
	NonImage int
	// RootFiles counts files directly in the root, outside any class folder.
	RootFiles int
	// Skipped lists every skipped entry, in walk order.
	Skipped []Skipped
	// Bad lists the files that failed to decode in a scan, sorted by path.
	// With SkipBad they are not in Samples.
	Bad []BadFile
}

// Dataset is a list of labelled image files, like torchvision's
// ImageFolder. Its fields may be read freely; they should not be changed
// while a Loader uses the dataset.
type Dataset struct {
	// Root is the folder the dataset was read from.
	Root string
	// Classes are the class names; a sample's Label indexes this slice.
	Classes []string
	// ClassToIdx maps a class name to its label.
	ClassToIdx map[string]int
	// Samples are the files, sorted by class then by path (byte order).
	Samples []Sample
	// Report lists what was skipped while reading the tree.
	Report Report

	decode DecodeOptions
	cache  *imageCache
}

// BadFilesError lists every file of a scan that failed to decode.
type BadFilesError struct {
	Files []BadFile
}

// Error lists every bad file with its reason, one per line.
func (e *BadFilesError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dataset: %d bad image file(s):", len(e.Files))
	for _, f := range e.Files {
		fmt.Fprintf(&b, "\n  %v", f.Err)
	}
	return b.String()
}

// ImageFolder reads root/<class>/**/<file> into a Dataset. Classes are the
// non-hidden sub-folders of root sorted by byte order (labels 0..N-1), or
// the list given with WithClasses. Files are taken at any depth below their
// class folder; hidden entries at any depth, files with other extensions and
// files directly in root are skipped and counted in Report. A class folder
// with no image is an error naming it unless AllowEmptyClasses is given.
//
// Files are not decoded unless WithScan or SkipBad asks for it.
func ImageFolder(root string, opts ...Option) (*Dataset, error) {
	cfg := newFolderConfig(opts)
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("dataset: reading image folder: %w", err)
	}
	d := &Dataset{Root: root, decode: cfg.decode, cache: newImageCache(cfg.cacheBytes)}
	var dirs []string
	for _, e := range entries {
		p := filepath.Join(root, e.Name())
		if isHidden(e.Name()) {
			d.skip(p, "hidden")
			continue
		}
		if isDir(p, e) {
			dirs = append(dirs, e.Name())
			continue
		}
		d.Report.RootFiles++
		d.Report.Skipped = append(d.Report.Skipped, Skipped{p, "outside a class folder"})
	}
	sort.Strings(dirs)

	if err := d.setClasses(dirs, cfg.classes); err != nil {
		return nil, err
	}
	var empty []string
	for _, name := range dirs {
		label := d.ClassToIdx[name]
		var files []string
		d.walk(filepath.Join(root, name), cfg.exts, &files, 0)
		sort.Strings(files)
		if len(files) == 0 {
			empty = append(empty, name)
		}
		for _, f := range files {
			d.Samples = append(d.Samples, Sample{Path: f, Label: label})
		}
	}
	sort.SliceStable(d.Samples, func(i, j int) bool { return d.Samples[i].Label < d.Samples[j].Label })
	if len(empty) > 0 && !cfg.allowEmpty {
		return nil, fmt.Errorf("dataset: %s: class folder(s) with no image files: %s (use AllowEmptyClasses to accept them)",
			root, strings.Join(quoteAll(empty), ", "))
	}
	if cfg.scan || cfg.policy == SkipBad {
		bad := d.Scan(cfg.scanWorkers)
		d.Report.Bad = bad
		if len(bad) > 0 {
			if cfg.policy != SkipBad {
				return nil, &BadFilesError{Files: bad}
			}
			d.dropBad(bad)
		}
	}
	return d, nil
}

// setClasses fills Classes and ClassToIdx from the folders found or from
// the explicit list.
func (d *Dataset) setClasses(dirs, explicit []string) error {
	if explicit == nil {
		if len(dirs) == 0 {
			return fmt.Errorf("dataset: %s: no class folders found", d.Root)
		}
		d.Classes = dirs
	} else {
		d.Classes = append([]string(nil), explicit...)
	}
	d.ClassToIdx = make(map[string]int, len(d.Classes))
	for i, c := range d.Classes {
		if _, dup := d.ClassToIdx[c]; dup {
			return fmt.Errorf("dataset: class %q listed twice", c)
		}
		d.ClassToIdx[c] = i
	}
	var unknown []string
	for _, name := range dirs {
		if _, ok := d.ClassToIdx[name]; !ok {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("dataset: %s: folder(s) %s are not in the given class list", d.Root, strings.Join(quoteAll(unknown), ", "))
	}
	return nil
}

// walk collects image files below dir, following symbolic links up to a
// fixed depth.
func (d *Dataset) walk(dir string, exts map[string]bool, files *[]string, depth int) {
	if depth > 32 {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		d.Report.Skipped = append(d.Report.Skipped, Skipped{dir, "unreadable: " + err.Error()})
		return
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch {
		case isHidden(e.Name()):
			d.skip(p, "hidden")
		case isDir(p, e):
			d.walk(p, exts, files, depth+1)
		case exts[strings.ToLower(filepath.Ext(e.Name()))]:
			*files = append(*files, p)
		default:
			d.Report.NonImage++
			d.Report.Skipped = append(d.Report.Skipped, Skipped{p, "not an image"})
		}
	}
}

func (d *Dataset) skip(p, reason string) {
	d.Report.Hidden++
	d.Report.Skipped = append(d.Report.Skipped, Skipped{p, reason})
}

// dropBad removes the bad files from Samples.
func (d *Dataset) dropBad(bad []BadFile) {
	isBad := make(map[string]bool, len(bad))
	for _, b := range bad {
		isBad[b.Path] = true
	}
	kept := d.Samples[:0]
	for _, s := range d.Samples {
		if !isBad[s.Path] {
			kept = append(kept, s)
		}
	}
	d.Samples = kept
}

// isHidden reports whether a file or folder name is one that ImageFolder
// ignores: dot files (.DS_Store, ._*, .ipynb_checkpoints), Thumbs.db,
// desktop.ini and __MACOSX.
func isHidden(name string) bool {
	if strings.HasPrefix(name, ".") {
		return true
	}
	switch strings.ToLower(name) {
	case "thumbs.db", "desktop.ini", "__macosx":
		return true
	}
	return false
}

// isDir reports whether the entry is a folder, following a symbolic link.
func isDir(path string, e os.DirEntry) bool {
	if e.Type()&os.ModeSymlink != 0 {
		st, err := os.Stat(path)
		return err == nil && st.IsDir()
	}
	return e.IsDir()
}

func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return q
}

// Len returns the number of samples.
func (d *Dataset) Len() int { return len(d.Samples) }

// Image decodes sample i (or takes it from the cache). The result must not
// be modified: it may be shared with the cache. Errors name the file.
func (d *Dataset) Image(i int) (*image.RGBA, error) {
	if i < 0 || i >= len(d.Samples) {
		return nil, fmt.Errorf("dataset: sample index %d out of range [0,%d)", i, len(d.Samples))
	}
	p := d.Samples[i].Path
	if img := d.cache.get(p); img != nil {
		return img, nil
	}
	img, err := DecodeFile(p, d.decode)
	if err != nil {
		return nil, err
	}
	d.cache.put(p, img)
	return img, nil
}

// ClassCounts returns the number of samples of each class. A sample whose
// label is not a class index (a hand-built Dataset) is an error naming it.
func (d *Dataset) ClassCounts() ([]int, error) {
	byClass, err := d.byClass()
	if err != nil {
		return nil, err
	}
	n := make([]int, len(byClass))
	for c, idx := range byClass {
		n[c] = len(idx)
	}
	return n, nil
}

// byClass returns the sample indices of each class, in sample order, or an
// error naming the first sample whose label is out of range.
func (d *Dataset) byClass() ([][]int, error) {
	out := make([][]int, len(d.Classes))
	for i, s := range d.Samples {
		if s.Label < 0 || s.Label >= len(d.Classes) {
			return nil, fmt.Errorf("dataset: sample %d (%s) has label %d, but there are %d classes", i, s.Path, s.Label, len(d.Classes))
		}
		out[s.Label] = append(out[s.Label], i)
	}
	return out, nil
}

// Subset returns a dataset holding the given samples of d (in that order),
// sharing d's classes, decode options and cache.
func (d *Dataset) Subset(indices []int) (*Dataset, error) {
	s := &Dataset{Root: d.Root, Classes: d.Classes, ClassToIdx: d.ClassToIdx, Report: d.Report, decode: d.decode, cache: d.cache}
	s.Samples = make([]Sample, len(indices))
	for k, i := range indices {
		if i < 0 || i >= len(d.Samples) {
			return nil, fmt.Errorf("dataset: Subset: index %d out of range [0,%d)", i, len(d.Samples))
		}
		s.Samples[k] = d.Samples[i]
	}
	return s, nil
}

// errNoSamples is returned by loaders over an empty dataset.
var errNoSamples = errors.New("dataset: no samples")
