package nn

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// stFile assembles a safetensors file from its header text and data bytes,
// padding the header with spaces to a multiple of 8 as writers do.
func stFile(header string, data []byte) []byte {
	for len(header)%8 != 0 {
		header += " "
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

// le encodes values little-endian.
func le(vs ...any) []byte {
	var b bytes.Buffer
	for _, v := range vs {
		if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
			panic(err)
		}
	}
	return b.Bytes()
}

func TestDecodeSafetensorsDtypes(t *testing.T) {
	tests := []struct {
		name   string
		dtype  string
		shape  string
		data   []byte
		floats []float32 // nil for an integer tensor
		ints   []int64
	}{
		{"f32", "F32", "[2]", le(float32(1.5), float32(-2)), []float32{1.5, -2}, nil},
		// 0.1 as float64 rounds to the nearest float32.
		{"f64", "F64", "[3]", le(0.1, -3.0, 1e300), []float32{0.1, -3, float32(math.Inf(1))}, nil},
		// F16: 1, -2, 65504 (largest), 2^-24 (smallest subnormal), -0, +Inf.
		{"f16", "F16", "[2,3]", le(uint16(0x3c00), uint16(0xc000), uint16(0x7bff), uint16(0x0001), uint16(0x8000), uint16(0x7c00)),
			[]float32{1, -2, 65504, 1.0 / (1 << 24), float32(math.Copysign(0, -1)), float32(math.Inf(1))}, nil},
		// BF16 is the top half of a float32: 1, -2.5, 3.140625.
		{"bf16", "BF16", "[3]", le(uint16(0x3f80), uint16(0xc020), uint16(0x4049)), []float32{1, -2.5, 3.140625}, nil},
		{"i64", "I64", "[]", le(int64(-7)), nil, []int64{-7}},
		{"i32", "I32", "[2]", le(int32(-1), int32(1<<30)), nil, []int64{-1, 1 << 30}},
		{"i16", "I16", "[1]", le(int16(-2)), nil, []int64{-2}},
		{"i8", "I8", "[1]", []byte{0x80}, nil, []int64{-128}},
		{"u8", "U8", "[1]", []byte{0x80}, nil, []int64{128}},
		{"bool", "BOOL", "[2]", []byte{1, 0}, nil, []int64{1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			header := `{"x":{"dtype":"` + tc.dtype + `","shape":` + tc.shape + `,"data_offsets":[0,` + strconv.Itoa(len(tc.data)) + `]}}`
			st, err := DecodeSafetensors(stFile(header, tc.data))
			require.NoError(t, err)
			if tc.floats != nil {
				x, err := st.Float("x")
				require.NoError(t, err)
				require.Len(t, x.Data, len(tc.floats))
				for i, want := range tc.floats {
					require.Equal(t, math.Float32bits(want), math.Float32bits(x.Data[i]), "element %d: got %v want %v", i, x.Data[i], want)
				}
				require.Empty(t, st.Ints)
				return
			}
			require.Equal(t, tc.ints, st.Ints["x"].Data)
			require.Empty(t, st.Floats)
		})
	}
}

func TestFloat16ToFloat32AllValues(t *testing.T) {
	// Every finite half is exactly m * 2^(e-25) for its 11-bit significand;
	// compare all 65536 bit patterns against that float64 formula.
	for h := 0; h < 1<<16; h++ {
		got := Float16ToFloat32(uint16(h))
		exp := (h >> 10) & 0x1f
		mant := h & 0x3ff
		var want float64
		switch {
		case exp == 0x1f && mant == 0:
			want = math.Inf(1)
		case exp == 0x1f:
			require.True(t, math.IsNaN(float64(got)), "0x%04x", h)
			continue
		case exp == 0:
			want = float64(mant) * math.Pow(2, -24)
		default:
			want = float64(mant|0x400) * math.Pow(2, float64(exp-25))
		}
		if h&0x8000 != 0 {
			want = -want
		}
		require.Equal(t, math.Float32bits(float32(want)), math.Float32bits(got), "0x%04x", h)
	}
}

func TestDecodeSafetensorsRejects(t *testing.T) {
	f32 := func(name string, b, e int) string {
		return `"` + name + `":{"dtype":"F32","shape":[` + strconv.Itoa((e-b)/4) + `],"data_offsets":[` + strconv.Itoa(b) + `,` + strconv.Itoa(e) + `]}`
	}
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"short", []byte{1, 2, 3}, "too short"},
		{"header larger than file", append(le(uint64(1000)), "{}      "...), "larger than the file"},
		{"huge header length", append(le(uint64(1<<62)), "{}      "...), "larger than the file"},
		{"not json", stFile(`{"x":`, nil), "not a JSON object"},
		{"json array", stFile(`[1,2]`, nil), "not a JSON object"},
		{"bad metadata", stFile(`{"__metadata__":{"a":1}}`, nil), "__metadata__"},
		{"bad entry", stFile(`{"x":{"dtype":"F32","shape":"big","data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "x": bad header entry`},
		{"unknown dtype", stFile(`{"x":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}`, make([]byte, 1)), `unsupported dtype "F8_E4M3"`},
		{"negative dim", stFile(`{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, make([]byte, 4)), "negative dimension"},
		{"shape overflow", stFile(`{"x":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}}`, make([]byte, 4)), "too large"},
		{"offset past end", stFile(`{`+f32("x", 0, 8)+`}`, make([]byte, 4)), "outside the 4-byte data section"},
		{"begin after end", stFile(`{"x":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, make([]byte, 4)), "offsets [4,0]"},
		{"huge offset", stFile(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[18446744073709551612,18446744073709551615]}}`, make([]byte, 4)), "outside"},
		{"size disagrees with shape", stFile(`{"x":{"dtype":"F32","shape":[2,2],"data_offsets":[0,8]}}`, make([]byte, 16)), "8 bytes for shape [2 2] of F32 (needs 16)"},
		{"overlap", stFile(`{`+f32("a", 0, 8)+`,`+f32("b", 4, 12)+`}`, make([]byte, 12)), `"a" [0,8] and "b" [4,12] overlap`},
		{"same span", stFile(`{`+f32("a", 0, 4)+`,`+f32("b", 0, 4)+`}`, make([]byte, 4)), "overlap"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := DecodeSafetensors(tc.file)
			require.Error(t, err)
			require.Nil(t, st)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestDecodeSafetensorsEmptyTensors(t *testing.T) {
	// Empty tensors read no bytes, so they never overlap, whether they share
	// an offset with a non-empty tensor (in either header order) or lie
	// inside one. The safetensors writer puts them at the running offset.
	tests := []struct {
		name   string
		header string
	}{
		{"empty first", `{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]},"s":{"dtype":"F32","shape":[],"data_offsets":[4,8]},"n":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}`},
		{"empty last", `{"n":{"dtype":"I32","shape":[1],"data_offsets":[0,4]},"s":{"dtype":"F32","shape":[],"data_offsets":[4,8]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]}}`},
		{"empty inside", `{"n":{"dtype":"I32","shape":[1],"data_offsets":[0,4]},"s":{"dtype":"F32","shape":[],"data_offsets":[4,8]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[6,6]}}`},
		{"empty at end", `{"n":{"dtype":"I32","shape":[1],"data_offsets":[0,4]},"s":{"dtype":"F32","shape":[],"data_offsets":[4,8]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[8,8]}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := DecodeSafetensors(stFile(tc.header, le(int32(9), float32(2.5))))
			require.NoError(t, err)
			require.Equal(t, []int{0, 3}, st.Floats["e"].Shape)
			require.Empty(t, st.Floats["e"].Data)
			require.Equal(t, []float32{2.5}, st.Floats["s"].Data)
			require.Equal(t, []int64{9}, st.Ints["n"].Data)
		})
	}
}

func TestSafetensorsRoundTrip(t *testing.T) {
	floats := map[string]*Tensor{
		"w": FromData([]float32{1, -2, 3, float32(math.Inf(-1)), 5, 6}, 2, 3),
		"s": Scalar(0.5),
		"e": New(0, 3),
	}
	ints := map[string]*IntTensor{"n": {Shape: []int{}, Data: []int64{-7}}, "v": {Shape: []int{2}, Data: []int64{1 << 40, 3}}}
	meta := map[string]string{"arch": "resnet18", "classes": `["a","b"]`}
	path := filepath.Join(t.TempDir(), "x.safetensors")
	require.NoError(t, WriteSafetensors(path, floats, ints, meta))
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	require.Len(t, entries, 1, "the temporary file is renamed, not left behind")
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), info.Mode().Perm(), "readable like any file the user writes")

	st, err := ReadSafetensors(path)
	require.NoError(t, err)
	require.Equal(t, meta, st.Metadata)
	require.Equal(t, []string{"e", "n", "s", "v", "w"}, st.Names())
	for name, want := range floats {
		require.Equal(t, want.Shape, st.Floats[name].Shape, name)
		require.Equal(t, want.Data, st.Floats[name].Data, name)
	}
	for name, want := range ints {
		require.Equal(t, want, st.Ints[name], name)
	}
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Zero(t, binary.LittleEndian.Uint64(raw)%8, "header padded to 8 bytes")

	_, err = st.Float("missing")
	require.ErrorContains(t, err, `"missing"`)
}

func TestWriteSafetensorsRejects(t *testing.T) {
	tests := []struct {
		name   string
		floats map[string]*Tensor
		ints   map[string]*IntTensor
		want   string
	}{
		{"float size", map[string]*Tensor{"w": {Shape: []int{2, 2}, Data: make([]float32, 3)}}, nil, `"w": 3 values for shape [2 2]`},
		{"int size", nil, map[string]*IntTensor{"n": {Shape: []int{2}, Data: []int64{1}}}, `"n": 1 values for shape [2]`},
		{"both kinds", map[string]*Tensor{"x": Scalar(1)}, map[string]*IntTensor{"x": {Shape: []int{}, Data: []int64{1}}}, `"x" is both`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.safetensors")
			err := WriteSafetensors(path, tc.floats, tc.ints, nil)
			require.ErrorContains(t, err, tc.want)
			require.ErrorContains(t, err, path)
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			require.Empty(t, entries, "a failed write leaves no file")
		})
	}
}

func TestReadSafetensorsNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.safetensors")
	require.NoError(t, os.WriteFile(path, stFile(`{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, make([]byte, 8)), 0o644))
	_, err := ReadSafetensors(path)
	require.ErrorContains(t, err, path)
	require.ErrorContains(t, err, `tensor "x"`)

	_, err = ReadSafetensors(filepath.Join(dir, "absent.safetensors"))
	require.ErrorContains(t, err, "absent.safetensors")
}
