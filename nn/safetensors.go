package nn

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
)

// maxHeaderBytes bounds the JSON header of a safetensors file (the format's
// own reader uses 100 MB).
const maxHeaderBytes = 100 << 20

// IntTensor is an integer tensor read from a safetensors file, such as
// BatchNorm's num_batches_tracked counter or a class-index target.
type IntTensor struct {
	Shape []int
	Data  []int64
}

// Safetensors is the content of a safetensors file: float tensors (every
// floating dtype converted by value to float32), integer tensors, and the
// free-form string metadata.
type Safetensors struct {
	Floats   map[string]*Tensor
	Ints     map[string]*IntTensor
	Metadata map[string]string
}

// Names returns every tensor name, floats and integers, sorted.
func (s *Safetensors) Names() []string {
	names := make([]string, 0, len(s.Floats)+len(s.Ints))
	for k := range s.Floats {
		names = append(names, k)
	}
	for k := range s.Ints {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Float returns the float tensor called name or an error naming it.
func (s *Safetensors) Float(name string) (*Tensor, error) {
	t, ok := s.Floats[name]
	if !ok {
		return nil, fmt.Errorf("safetensors: no float tensor %q", name)
	}
	return t, nil
}

// dtypeSize gives the byte size of each supported safetensors dtype.
var dtypeSize = map[string]int{
	"F64": 8, "F32": 4, "F16": 2, "BF16": 2,
	"I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
}

type stEntry struct {
	Dtype   string    `json:"dtype"`
	Shape   []int     `json:"shape"`
	Offsets [2]uint64 `json:"data_offsets"`
}

// ReadSafetensors reads a safetensors file. The header length and every
// tensor's offsets are checked against the file size before anything is
// allocated, so a corrupt or hostile file gives an error naming the file and
// the tensor, never a huge allocation or a panic.
func ReadSafetensors(path string) (*Safetensors, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	st, err := decodeSafetensors(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// DecodeSafetensors parses a safetensors file held in memory.
func DecodeSafetensors(data []byte) (*Safetensors, error) {
	return decodeSafetensors(bytesReaderAt(data), int64(len(data)))
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func decodeSafetensors(r io.ReaderAt, size int64) (*Safetensors, error) {
	if size < 8 {
		return nil, fmt.Errorf("safetensors: file of %d bytes is too short for the 8-byte header length", size)
	}
	var lenBuf [8]byte
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("safetensors: reading header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > uint64(size-8) {
		return nil, fmt.Errorf("safetensors: header length %d is larger than the file (%d bytes)", n, size)
	}
	if n > maxHeaderBytes {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the %d-byte limit", n, maxHeaderBytes)
	}
	header := make([]byte, n)
	if _, err := r.ReadAt(header, 8); err != nil {
		return nil, fmt.Errorf("safetensors: reading header: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(header, &raw); err != nil {
		return nil, fmt.Errorf("safetensors: header is not a JSON object: %w", err)
	}
	dataStart := 8 + int64(n)
	dataLen := uint64(size - dataStart)
	st := &Safetensors{Floats: map[string]*Tensor{}, Ints: map[string]*IntTensor{}, Metadata: map[string]string{}}
	type span struct {
		name       string
		begin, end uint64
	}
	var spans []span
	entries := map[string]stEntry{}
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &st.Metadata); err != nil {
				return nil, fmt.Errorf("safetensors: __metadata__ is not a string map: %w", err)
			}
			continue
		}
		var e stEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: bad header entry: %w", name, err)
		}
		size, ok := dtypeSize[e.Dtype]
		if !ok {
			return nil, fmt.Errorf("safetensors: tensor %q: unsupported dtype %q", name, e.Dtype)
		}
		numel := uint64(1)
		for _, d := range e.Shape {
			if d < 0 {
				return nil, fmt.Errorf("safetensors: tensor %q: negative dimension in shape %v", name, e.Shape)
			}
			if d != 0 && numel > math.MaxInt32*uint64(64)/uint64(d) {
				return nil, fmt.Errorf("safetensors: tensor %q: shape %v is too large", name, e.Shape)
			}
			numel *= uint64(d)
		}
		b, end := e.Offsets[0], e.Offsets[1]
		if b > end || end > dataLen {
			return nil, fmt.Errorf("safetensors: tensor %q: offsets [%d,%d] outside the %d-byte data section", name, b, end, dataLen)
		}
		if end-b != numel*uint64(size) {
			return nil, fmt.Errorf("safetensors: tensor %q: %d bytes for shape %v of %s (needs %d)", name, end-b, e.Shape, e.Dtype, numel*uint64(size))
		}
		entries[name] = e
		spans = append(spans, span{name, b, end})
	}
	// Sort by (begin, end) as the Rust reference reader does, so that an
	// empty tensor sharing its offset with the next one comes first. An
	// empty tensor covers no bytes and so overlaps nothing, wherever it
	// lies in the data section; only non-empty spans are compared.
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].begin != spans[j].begin {
			return spans[i].begin < spans[j].begin
		}
		if spans[i].end != spans[j].end {
			return spans[i].end < spans[j].end
		}
		return spans[i].name < spans[j].name
	})
	prev := -1
	for i, sp := range spans {
		if sp.begin == sp.end {
			continue
		}
		if prev >= 0 && sp.begin < spans[prev].end {
			return nil, fmt.Errorf("safetensors: tensors %q [%d,%d] and %q [%d,%d] overlap", spans[prev].name, spans[prev].begin, spans[prev].end, sp.name, sp.begin, sp.end)
		}
		prev = i
	}
	for _, sp := range spans {
		e := entries[sp.name]
		buf := make([]byte, sp.end-sp.begin)
		if _, err := r.ReadAt(buf, dataStart+int64(sp.begin)); err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: %w", sp.name, err)
		}
		shape := append([]int{}, e.Shape...)
		switch e.Dtype {
		case "F64", "F32", "F16", "BF16":
			st.Floats[sp.name] = &Tensor{Shape: shape, Data: decodeFloats(e.Dtype, buf)}
		default:
			st.Ints[sp.name] = &IntTensor{Shape: shape, Data: decodeInts(e.Dtype, buf)}
		}
	}
	return st, nil
}

func decodeFloats(dtype string, b []byte) []float32 {
	switch dtype {
	case "F32":
		out := make([]float32, len(b)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return out
	case "F64":
		out := make([]float32, len(b)/8)
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
		return out
	case "F16":
		out := make([]float32, len(b)/2)
		for i := range out {
			out[i] = Float16ToFloat32(binary.LittleEndian.Uint16(b[2*i:]))
		}
		return out
	default: // BF16
		out := make([]float32, len(b)/2)
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		}
		return out
	}
}

func decodeInts(dtype string, b []byte) []int64 {
	size := dtypeSize[dtype]
	out := make([]int64, len(b)/size)
	for i := range out {
		switch dtype {
		case "I64":
			out[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		case "I32":
			out[i] = int64(int32(binary.LittleEndian.Uint32(b[4*i:])))
		case "I16":
			out[i] = int64(int16(binary.LittleEndian.Uint16(b[2*i:])))
		case "I8":
			out[i] = int64(int8(b[i]))
		default: // U8, BOOL
			out[i] = int64(b[i])
		}
	}
	return out
}

// Float16ToFloat32 converts an IEEE-754 half-precision value, given as its
// bits, to float32 exactly (subnormals, infinities and NaN included).
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: value = mant * 2^-24
		v := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}

// WriteSafetensors writes float tensors (as F32), integer tensors (as I64)
// and metadata to path atomically: a temporary file in the same folder is
// written, synced and renamed, so a crash never leaves a partial file.
func WriteSafetensors(path string, floats map[string]*Tensor, ints map[string]*IntTensor, meta map[string]string) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		return EncodeSafetensors(w, floats, ints, meta)
	})
}

// EncodeSafetensors writes the safetensors encoding to w. Integer tensors
// come first so that every tensor is naturally aligned.
func EncodeSafetensors(w io.Writer, floats map[string]*Tensor, ints map[string]*IntTensor, meta map[string]string) error {
	header := map[string]any{}
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	intNames := sortedKeys(ints)
	floatNames := sortedKeys(floats)
	var off uint64
	for _, name := range intNames {
		t := ints[name]
		if checkShape(t.Shape) != len(t.Data) {
			return fmt.Errorf("safetensors: tensor %q: %d values for shape %v", name, len(t.Data), t.Shape)
		}
		n := uint64(8 * len(t.Data))
		header[name] = stEntry{"I64", nonNil(t.Shape), [2]uint64{off, off + n}}
		off += n
	}
	for _, name := range floatNames {
		if _, dup := ints[name]; dup {
			return fmt.Errorf("safetensors: tensor %q is both float and integer", name)
		}
		t := floats[name]
		if checkShape(t.Shape) != len(t.Data) {
			return fmt.Errorf("safetensors: tensor %q: %d values for shape %v", name, len(t.Data), t.Shape)
		}
		n := uint64(4 * len(t.Data))
		header[name] = stEntry{"F32", nonNil(t.Shape), [2]uint64{off, off + n}}
		off += n
	}
	js, err := json.Marshal(header)
	if err != nil {
		return err
	}
	for len(js)%8 != 0 {
		js = append(js, ' ')
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var b8 [8]byte
	binary.LittleEndian.PutUint64(b8[:], uint64(len(js)))
	bw.Write(b8[:])
	bw.Write(js)
	for _, name := range intNames {
		for _, v := range ints[name].Data {
			binary.LittleEndian.PutUint64(b8[:], uint64(v))
			bw.Write(b8[:])
		}
	}
	for _, name := range floatNames {
		for _, v := range floats[name].Data {
			binary.LittleEndian.PutUint32(b8[:4], math.Float32bits(v))
			bw.Write(b8[:4])
		}
	}
	return bw.Flush()
}

func nonNil(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// WriteFileAtomic writes a file through write into a temporary file in the
// same folder, syncs it and renames it over path, so readers see either the
// old file or the complete new one, never a partial write.
func WriteFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := splitPath(path)
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// CreateTemp makes the file private (0600); give it the permissions
	// os.WriteFile would (0644 under the usual umask) so that a saved model
	// is as readable as any other file the user writes.
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = write(f); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func splitPath(path string) (dir, base string) {
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			return path[:i+1], path[i+1:]
		}
	}
	return ".", path
}
