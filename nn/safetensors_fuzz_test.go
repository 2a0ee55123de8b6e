package nn

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/seedling-ml/seedling/internal/shared"
)

// safetensorsFuzzSeeds returns small valid safetensors files: the C09 case
// files when the shared data is present, and files written here with every
// dtype the reader supports.
func safetensorsFuzzSeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	if root, ok := shared.Root(); ok {
		files, _ := filepath.Glob(filepath.Join(root, "cases", "C09_module_prefix_nbt", "*.safetensors"))
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				seeds = append(seeds, b)
			}
		}
	}
	var buf bytes.Buffer
	err := EncodeSafetensors(&buf,
		map[string]*Tensor{"w": FromData([]float32{1, -2, 3, 4, 5, 6}, 2, 3), "s": Scalar(0.5), "e": New(0, 3)},
		map[string]*IntTensor{"n": {Shape: []int{}, Data: []int64{7}}},
		map[string]string{"format": "pt"})
	if err != nil {
		tb.Fatal(err)
	}
	seeds = append(seeds, buf.Bytes())
	// One tensor of each other dtype, written by hand.
	for _, c := range []struct {
		dtype string
		data  []byte
	}{
		{"F64", []byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f}},
		{"F16", []byte{0, 0x3c}},
		{"BF16", []byte{0x80, 0x3f}},
		{"I32", []byte{0xff, 0xff, 0xff, 0xff}},
		{"I16", []byte{0xfe, 0xff}},
		{"I8", []byte{0x80}},
		{"U8", []byte{0x80}},
		{"BOOL", []byte{1}},
	} {
		header := `{"x":{"dtype":"` + c.dtype + `","shape":[1],"data_offsets":[0,` + string(rune('0'+len(c.data))) + `]}}`
		for len(header)%8 != 0 {
			header += " "
		}
		var b bytes.Buffer
		n := uint64(len(header))
		for i := 0; i < 8; i++ {
			b.WriteByte(byte(n >> (8 * i)))
		}
		b.WriteString(header)
		b.Write(c.data)
		seeds = append(seeds, b.Bytes())
	}
	return seeds
}

// FuzzDecodeSafetensors checks that DecodeSafetensors never panics, that
// its memory stays bounded by the input (no more tensor elements than input
// bytes, allocations within a fixed multiple of the input size), and that
// whatever it accepts survives an EncodeSafetensors round trip bit for bit.
//
// Besides the seeds built here, testdata/fuzz/FuzzDecodeSafetensors holds
// trimmed copies of the reference files and cases C09/C10, and regression
// inputs (made by testdata/gencorpus.go). Run it with
//
//	go test ./nn -run '^$' -fuzz FuzzDecodeSafetensors -fuzztime 5m -parallel 1
func FuzzDecodeSafetensors(f *testing.F) {
	for _, s := range safetensorsFuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		st, err := DecodeSafetensors(data)
		runtime.ReadMemStats(&after)
		if alloc, limit := after.TotalAlloc-before.TotalAlloc, uint64(64*len(data)+1<<20); alloc > limit {
			t.Fatalf("DecodeSafetensors of %d bytes allocated %d bytes (limit %d)", len(data), alloc, limit)
		}
		if err != nil {
			if st != nil {
				t.Fatalf("error %v with a non-nil result", err)
			}
			return
		}
		total := 0
		for name, x := range st.Floats {
			if n := checkShape(x.Shape); n != len(x.Data) {
				t.Fatalf("%s: %d values for shape %v", name, len(x.Data), x.Shape)
			}
			total += len(x.Data)
		}
		for name, x := range st.Ints {
			if n := checkShape(x.Shape); n != len(x.Data) {
				t.Fatalf("%s: %d values for shape %v", name, len(x.Data), x.Shape)
			}
			total += len(x.Data)
		}
		if total > len(data) {
			t.Fatalf("%d elements decoded from %d bytes", total, len(data))
		}

		var buf bytes.Buffer
		if err := EncodeSafetensors(&buf, st.Floats, st.Ints, st.Metadata); err != nil {
			t.Fatalf("re-encoding a decoded file: %v", err)
		}
		again, err := DecodeSafetensors(buf.Bytes())
		if err != nil {
			t.Fatalf("decoding a re-encoded file: %v", err)
		}
		fuzzSameSafetensors(t, st, again)
	})
}

// fuzzSameSafetensors fails unless a and b hold the same names, shapes,
// value bits and metadata.
func fuzzSameSafetensors(t *testing.T, a, b *Safetensors) {
	t.Helper()
	if len(a.Floats) != len(b.Floats) || len(a.Ints) != len(b.Ints) {
		t.Fatalf("round trip changed the tensor counts: %d/%d floats, %d/%d ints", len(a.Floats), len(b.Floats), len(a.Ints), len(b.Ints))
	}
	for name, x := range a.Floats {
		y, ok := b.Floats[name]
		if !ok || !SameShape(x.Shape, y.Shape) || len(x.Data) != len(y.Data) {
			t.Fatalf("round trip changed float tensor %q", name)
		}
		for i := range x.Data {
			if math.Float32bits(x.Data[i]) != math.Float32bits(y.Data[i]) {
				t.Fatalf("round trip changed %s[%d]: %v -> %v", name, i, x.Data[i], y.Data[i])
			}
		}
	}
	for name, x := range a.Ints {
		y, ok := b.Ints[name]
		if !ok || !SameShape(x.Shape, y.Shape) || len(x.Data) != len(y.Data) {
			t.Fatalf("round trip changed int tensor %q", name)
		}
		for i := range x.Data {
			if x.Data[i] != y.Data[i] {
				t.Fatalf("round trip changed %s[%d]: %d -> %d", name, i, x.Data[i], y.Data[i])
			}
		}
	}
	if len(a.Metadata) != len(b.Metadata) {
		t.Fatalf("round trip changed the metadata: %v -> %v", a.Metadata, b.Metadata)
	}
	for k, v := range a.Metadata {
		if b.Metadata[k] != v {
			t.Fatalf("round trip changed metadata %q: %q -> %q", k, v, b.Metadata[k])
		}
	}
}
