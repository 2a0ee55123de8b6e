package pth

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/seedling-ml/seedling/internal/shared"
)

// fuzzSeeds returns small valid .pth files: the C09 case files when the
// shared data is present, and hand-built ones covering every storage type,
// strides, offsets, parameters and checkpoint wrappers.
func fuzzSeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	if root, ok := shared.Root(); ok {
		files, _ := filepath.Glob(filepath.Join(root, "cases", "C09_module_prefix_nbt", "*.pth"))
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				seeds = append(seeds, b)
			}
		}
	}
	// A protocol-4 pickle, whose classes are named through STACK_GLOBAL.
	if b, err := os.ReadFile(filepath.Join("testdata", "protocol4.pth")); err == nil {
		seeds = append(seeds, b)
	}
	six := f32bytes(0, 1, 2, 3, 4, 5)
	ts := []synthTensor{
		{name: "t", class: "FloatStorage", key: "0", numel: 6, shape: []int{3, 2}, stride: []int{1, 3}, storage: six},
		{name: "o", class: "FloatStorage", key: "0", numel: 6, offset: 4, shape: []int{2}, stride: []int{1}, param: true, storage: six},
		{name: "h", class: "HalfStorage", key: "1", numel: 2, shape: []int{2}, stride: []int{1}, storage: []byte{0, 0x3c, 0, 0xc0}},
		{name: "b", class: "BFloat16Storage", key: "2", numel: 1, shape: []int{}, stride: []int{}, storage: []byte{0x80, 0x3f}},
		{name: "d", class: "DoubleStorage", key: "3", numel: 1, shape: []int{1}, stride: []int{1}, storage: make([]byte, 8)},
		{name: "n", class: "LongStorage", key: "4", numel: 1, shape: []int{}, stride: []int{}, storage: []byte{7, 0, 0, 0, 0, 0, 0, 0}},
		{name: "i", class: "IntStorage", key: "5", numel: 2, shape: []int{2, 1}, stride: []int{1, 1}, storage: make([]byte, 8)},
		{name: "m", class: "BoolStorage", key: "6", numel: 2, shape: []int{2}, stride: []int{1}, storage: []byte{1, 0}},
	}
	seeds = append(seeds,
		synthPth(tb, ts, ""),
		synthPth(tb, ts[:2], "state_dict"),
		synthPth(tb, ts[4:], "model", zipEntry{"archive/byteorder", []byte("big")}),
	)
	return seeds
}

// FuzzDecode checks that Decode never panics and that its memory stays
// bounded by the input: it never produces more tensor elements than the
// input has bytes, and all it allocates stays within a fixed multiple of
// the input size.
//
// Besides the seeds built here, testdata/fuzz/FuzzDecode holds the C09 case
// files and the reference .pth trimmed to its pickle and small storages
// (made by ../testdata/gencorpus.go). Run it with
//
//	go test ./nn/pth -run '^$' -fuzz FuzzDecode -fuzztime 5m -parallel 1
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		st, err := Decode(data)
		runtime.ReadMemStats(&after)
		if alloc, limit := after.TotalAlloc-before.TotalAlloc, uint64(allocPerByte*len(data)+allocSlack); alloc > limit {
			t.Fatalf("Decode of %d bytes allocated %d bytes (limit %d)", len(data), alloc, limit)
		}
		if err != nil {
			if st != nil {
				t.Fatalf("error %v with a non-nil result", err)
			}
			return
		}
		total := 0
		for name, x := range st.Floats {
			total += checkLen(t, name, x.Shape, len(x.Data))
		}
		for name, x := range st.Ints {
			total += checkLen(t, name, x.Shape, len(x.Data))
		}
		if total > len(data) {
			t.Fatalf("%d elements decoded from %d bytes", total, len(data))
		}
	})
}

// allocPerByte and allocSlack bound what Decode may allocate: the zip
// index, the pickle's objects and the tensors are each a small multiple of
// the bytes they come from.
const (
	allocPerByte = 512
	allocSlack   = 1 << 20
)

// checkLen fails unless n is the product of shape, and returns n.
func checkLen(t *testing.T, name string, shape []int, n int) int {
	t.Helper()
	want := 1
	for _, d := range shape {
		if d < 0 {
			t.Fatalf("%s: negative dimension in %v", name, shape)
		}
		want *= d
	}
	if want != n {
		t.Fatalf("%s: %d values for shape %v", name, n, shape)
	}
	return n
}
