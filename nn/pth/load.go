package pth

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"strings"

	"github.com/seedling-ml/seedling/nn"
)

// legacyMagic starts a file written by torch.save before PyTorch 1.6 (or
// with _use_new_zipfile_serialization=False): a pickled LONG1 magic number.
var legacyMagic = []byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}

// Load reads a PyTorch .pth/.pt file written by torch.save (the zip format
// of PyTorch 1.6 and later) holding a state_dict, or a checkpoint dict with
// the state_dict under "state_dict" or "model". Errors name the file.
//
// Floating tensors (float32, float64, float16, bfloat16) are converted by
// value to float32 in Floats; integer and bool tensors go to Ints as int64.
// Names are kept exactly as saved (a "module." prefix is not stripped).
// Metadata holds a few notes: "format" ("pth"), "archive" (the folder name
// inside the zip), "byteorder", and when they apply "wrapper" (the
// checkpoint key the state_dict was under) and "ignored" (comma-separated
// names of non-tensor entries skipped).
//
// Nothing in the file is executed: the pickle may name only the classes a
// state_dict needs, and any other is refused with an *UnsupportedClassError.
// Sizes are checked against the bytes actually present before anything is
// allocated, so a corrupt or hostile file gives an error, not a panic or a
// huge allocation.
func Load(path string) (*nn.Safetensors, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pth: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("pth: %w", err)
	}
	st, err := decode(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("pth: %s: %w", path, err)
	}
	return st, nil
}

// Decode is Load for a file held in memory.
func Decode(data []byte) (*nn.Safetensors, error) {
	st, err := decode(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("pth: %w", err)
	}
	return st, nil
}

// decoder holds the state of one decode.
type decoder struct {
	files    map[string]*zip.File // archive entries under the top folder, by relative name
	size     int64                // bytes in the archive
	budget   int                  // most tensor elements the file may produce
	read     int64                // storage bytes read so far
	storages map[string]*storageRef
	raw      map[string][]byte // storage bytes, by key, once read
	big      bool              // byteorder is big-endian
}

func decode(r io.ReaderAt, size int64) (*nn.Safetensors, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		head := make([]byte, len(legacyMagic))
		if n, _ := r.ReadAt(head, 0); n == len(head) && bytes.Equal(head, legacyMagic) {
			return nil, errors.New("legacy torch.save format (before PyTorch 1.6) is not supported; re-save it with a recent PyTorch")
		}
		return nil, fmt.Errorf("not a zip archive as torch.save writes: %w", err)
	}
	budget := size
	if budget > math.MaxInt32*64 {
		budget = math.MaxInt32 * 64
	}
	d := &decoder{size: size, budget: int(budget), storages: map[string]*storageRef{}, raw: map[string][]byte{}}
	top, err := d.index(zr)
	if err != nil {
		return nil, err
	}
	meta := map[string]string{"format": "pth", "archive": top, "byteorder": "little"}
	if f, ok := d.files["byteorder"]; ok {
		b, err := d.readEntry(f, 16)
		if err != nil {
			return nil, err
		}
		switch string(b) {
		case "little":
		case "big":
			d.big = true
			meta["byteorder"] = "big"
		default:
			return nil, fmt.Errorf("byteorder file holds %q, not \"little\" or \"big\"", b)
		}
	}
	pkl, err := d.readEntry(d.files["data.pkl"], d.size)
	if err != nil {
		return nil, err
	}
	obj, err := d.unpickle(pkl)
	if err != nil {
		return nil, err
	}
	sd, err := findStateDict(obj)
	if err != nil {
		return nil, err
	}
	if sd.wrapper != "" {
		meta["wrapper"] = sd.wrapper
	}
	if len(sd.ignored) > 0 {
		meta["ignored"] = strings.Join(sd.ignored, ",")
	}
	st := &nn.Safetensors{Floats: map[string]*nn.Tensor{}, Ints: map[string]*nn.IntTensor{}, Metadata: meta}
	total := 0
	for i, name := range sd.names {
		t := sd.tensors[i]
		if t.numel > d.budget-total {
			return nil, fmt.Errorf("tensor %q: the tensors hold more elements than the file has bytes (%d); zero strides or storages shared by many tensors are not supported", name, d.size)
		}
		total += t.numel
		if err := d.materialize(st, name, t); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
	}
	return st, nil
}

// index finds the single <top>/data.pkl of the archive and records the
// entries under <top>/, keyed by their name relative to it.
func (d *decoder) index(zr *zip.Reader) (string, error) {
	top := ""
	for _, f := range zr.File {
		dir, base, ok := strings.Cut(f.Name, "/")
		if ok && base == "data.pkl" {
			if top != "" && dir != top {
				return "", fmt.Errorf("archive holds two data.pkl files (%s/ and %s/)", top, dir)
			}
			top = dir
		}
	}
	if top == "" {
		return "", errors.New("archive has no <folder>/data.pkl: not a file written by torch.save")
	}
	d.files = map[string]*zip.File{}
	for _, f := range zr.File {
		rel, ok := strings.CutPrefix(f.Name, top+"/")
		if !ok {
			continue
		}
		if _, dup := d.files[rel]; dup {
			return "", fmt.Errorf("archive holds %s twice", f.Name)
		}
		d.files[rel] = f
	}
	if _, ok := d.files["constants.pkl"]; ok {
		return "", errors.New("archive is a TorchScript model (torch.jit.save), not a torch.save state_dict")
	}
	return top, nil
}

// readEntry reads one stored (uncompressed) archive entry of at most limit
// bytes; torch.save never compresses, and refusing compression keeps every
// read within the archive's own size. The zip reader checks the CRC.
func (d *decoder) readEntry(f *zip.File, limit int64) ([]byte, error) {
	if err := d.checkEntry(f); err != nil {
		return nil, err
	}
	n := f.UncompressedSize64
	if n > uint64(limit) {
		return nil, fmt.Errorf("%s holds %d bytes, more than the %d allowed", f.Name, n, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	buf := make([]byte, n)
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	var one [1]byte
	if m, err := rc.Read(one[:]); m != 0 || err != io.EOF {
		if err == nil || err == io.EOF {
			err = errors.New("more data than its header says")
		}
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return buf, nil
}

// checkEntry refuses a compressed entry, or one whose sizes disagree or
// exceed the archive's.
func (d *decoder) checkEntry(f *zip.File) error {
	if f.Method != zip.Store {
		return fmt.Errorf("%s is compressed (method %d); torch.save writes stored entries", f.Name, f.Method)
	}
	if n := f.UncompressedSize64; n != f.CompressedSize64 || n > uint64(d.size) {
		return fmt.Errorf("%s claims %d bytes (%d stored) in a %d-byte archive", f.Name, n, f.CompressedSize64, d.size)
	}
	return nil
}

// storageBytes returns the bytes of storage s, reading data/<key> once. The
// entry must hold at least numel elements, and all storages read together
// may not exceed the archive's size (which only overlapping entries could).
func (d *decoder) storageBytes(s *storageRef) ([]byte, error) {
	if b, ok := d.raw[s.key]; ok {
		return b, nil
	}
	f, ok := d.files["data/"+s.key]
	if !ok {
		return nil, fmt.Errorf("storage %q: the archive has no data/%s", s.key, s.key)
	}
	if err := d.checkEntry(f); err != nil {
		return nil, fmt.Errorf("storage %q: %w", s.key, err)
	}
	// Compare in elements: numel*size could overflow.
	if have := f.UncompressedSize64 / uint64(s.dtype.size); uint64(s.numel) > have {
		need := new(big.Int).Mul(big.NewInt(int64(s.numel)), big.NewInt(int64(s.dtype.size)))
		return nil, fmt.Errorf("storage %q: data/%s holds %d bytes, but %d %s elements need %s", s.key, s.key, f.UncompressedSize64, s.numel, s.dtype.name, need)
	}
	if f.UncompressedSize64 > uint64(d.size-d.read) {
		return nil, fmt.Errorf("storage %q: storages total more bytes than the %d-byte archive holds", s.key, d.size)
	}
	b, err := d.readEntry(f, d.size-d.read)
	if err != nil {
		return nil, fmt.Errorf("storage %q: %w", s.key, err)
	}
	d.read += int64(len(b))
	d.raw[s.key] = b
	return b, nil
}
