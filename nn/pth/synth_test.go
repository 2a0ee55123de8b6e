package pth

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// synthTensor describes one tensor of a hand-built .pth file.
type synthTensor struct {
	name    string
	class   string // torch storage class, e.g. "FloatStorage"
	key     string // storage key (data/<key>)
	numel   int    // storage elements claimed in the pickle
	offset  int
	shape   []int
	stride  []int
	param   bool // wrap in torch._utils._rebuild_parameter
	storage []byte
}

// pickler writes protocol-2 pickle opcodes, as torch.save does.
type pickler struct{ bytes.Buffer }

func (p *pickler) op(b ...byte)       { p.Write(b) }
func (p *pickler) global(m, n string) { fmt.Fprintf(p, "c%s\n%s\n", m, n) }
func (p *pickler) str(s string) {
	p.op('X')
	binary.Write(p, binary.LittleEndian, uint32(len(s)))
	p.WriteString(s)
}
func (p *pickler) int(n int) {
	p.op('J')
	binary.Write(p, binary.LittleEndian, int32(n))
}
func (p *pickler) ints(ns []int) {
	p.op('(')
	for _, n := range ns {
		p.int(n)
	}
	p.op('t')
}
func (p *pickler) orderedDict() {
	p.global("collections", "OrderedDict")
	p.op(')', 'R')
}

// tensor writes _rebuild_tensor_v2(storage, offset, shape, stride, False, OrderedDict()).
func (p *pickler) tensor(t synthTensor) {
	if t.param {
		p.global("torch._utils", "_rebuild_parameter")
		p.op('(')
	}
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.op('(', '(')
	p.str("storage")
	p.global("torch", t.class)
	p.str(t.key)
	p.str("cpu")
	p.int(t.numel)
	p.op('t', 'Q')
	p.int(t.offset)
	p.ints(t.shape)
	p.ints(t.stride)
	p.op(0x89)
	p.orderedDict()
	p.op('t', 'R')
	if t.param {
		p.op(0x88)
		p.orderedDict()
		p.op('t', 'R')
	}
}

// stateDict writes an OrderedDict of the tensors.
func (p *pickler) stateDict(ts []synthTensor) {
	p.orderedDict()
	p.op('(')
	for _, t := range ts {
		p.str(t.name)
		p.tensor(t)
	}
	p.op('u')
}

// statePickle returns a whole pickle holding a state_dict of ts, or, when
// wrapper is not empty, a checkpoint {"epoch": 3, wrapper: state_dict}.
func statePickle(ts []synthTensor, wrapper string) []byte {
	var p pickler
	p.op(0x80, 2)
	if wrapper != "" {
		p.op('}', '(')
		p.str("epoch")
		p.int(3)
		p.str(wrapper)
	}
	p.stateDict(ts)
	if wrapper != "" {
		p.op('u')
	}
	p.op('.')
	return p.Bytes()
}

// zipEntry is one file of a hand-built archive.
type zipEntry struct {
	name string
	data []byte
}

// buildZip writes entries as a stored (uncompressed) zip, as torch.save does.
func buildZip(tb testing.TB, entries []zipEntry, method uint16) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		f, err := w.CreateHeader(&zip.FileHeader{Name: e.name, Method: method})
		require.NoError(tb, err)
		_, err = f.Write(e.data)
		require.NoError(tb, err)
	}
	require.NoError(tb, w.Close())
	return buf.Bytes()
}

// synthPth builds a whole .pth archive from tensors; storages with the same
// key are written once.
func synthPth(tb testing.TB, ts []synthTensor, wrapper string, extra ...zipEntry) []byte {
	tb.Helper()
	entries := []zipEntry{{"archive/data.pkl", statePickle(ts, wrapper)}}
	seen := map[string]bool{}
	for _, t := range ts {
		if !seen[t.key] {
			seen[t.key] = true
			entries = append(entries, zipEntry{"archive/data/" + t.key, t.storage})
		}
	}
	entries = append(entries, zipEntry{"archive/version", []byte("3\n")})
	return buildZip(tb, append(entries, extra...), zip.Store)
}

// rezip rewrites the archive at path through edit, which returns the new
// content of each entry, or nil to drop it.
func rezip(tb testing.TB, path string, edit func(name string, data []byte) []byte) []byte {
	tb.Helper()
	zr, err := zip.OpenReader(path)
	require.NoError(tb, err)
	defer zr.Close()
	var entries []zipEntry
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(tb, err)
		var b bytes.Buffer
		_, err = b.ReadFrom(rc)
		require.NoError(tb, err)
		rc.Close()
		if nb := edit(f.Name, b.Bytes()); nb != nil {
			entries = append(entries, zipEntry{f.Name, nb})
		}
	}
	return buildZip(tb, entries, zip.Store)
}

// f32bytes encodes float32 values little-endian.
func f32bytes(vs ...float32) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, vs)
	return b.Bytes()
}

// writeTemp writes data to a file in a fresh temporary folder.
func writeTemp(tb testing.TB, name string, data []byte) string {
	tb.Helper()
	path := tb.TempDir() + "/" + name
	require.NoError(tb, os.WriteFile(path, data, 0o644))
	return path
}
