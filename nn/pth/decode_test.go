package pth

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// le encodes values little-endian (big-endian when big is set).
func le(big bool, vs any) []byte {
	var b bytes.Buffer
	var order binary.ByteOrder = binary.LittleEndian
	if big {
		order = binary.BigEndian
	}
	binary.Write(&b, order, vs)
	return b.Bytes()
}

func TestDecodeSynthetic(t *testing.T) {
	six := f32bytes(0, 1, 2, 3, 4, 5)
	tests := []struct {
		name      string
		tensor    synthTensor
		big       bool
		wantFloat []float32
		wantInt   []int64
	}{
		{"float32 contiguous", synthTensor{class: "FloatStorage", numel: 6, shape: []int{2, 3}, stride: []int{3, 1}, storage: six},
			false, []float32{0, 1, 2, 3, 4, 5}, nil},
		{"transposed view is gathered", synthTensor{class: "FloatStorage", numel: 6, shape: []int{3, 2}, stride: []int{1, 3}, storage: six},
			false, []float32{0, 3, 1, 4, 2, 5}, nil},
		{"storage offset", synthTensor{class: "FloatStorage", numel: 6, offset: 4, shape: []int{2}, stride: []int{1}, storage: six},
			false, []float32{4, 5}, nil},
		{"every other element", synthTensor{class: "FloatStorage", numel: 6, offset: 1, shape: []int{3}, stride: []int{2}, storage: six},
			false, []float32{1, 3, 5}, nil},
		{"expanded (zero stride)", synthTensor{class: "FloatStorage", numel: 6, offset: 2, shape: []int{2, 2}, stride: []int{0, 1}, storage: six},
			false, []float32{2, 3, 2, 3}, nil},
		{"size-1 dims with odd strides are contiguous", synthTensor{class: "FloatStorage", numel: 6, offset: 3, shape: []int{1, 3, 1}, stride: []int{99, 1, 7}, storage: six},
			false, []float32{3, 4, 5}, nil},
		{"scalar", synthTensor{class: "FloatStorage", numel: 6, offset: 5, shape: []int{}, stride: []int{}, storage: six},
			false, []float32{5}, nil},
		{"empty tensor", synthTensor{class: "FloatStorage", numel: 0, shape: []int{0, 3}, stride: []int{3, 1}, storage: nil},
			false, []float32{}, nil},
		{"float64 by value", synthTensor{class: "DoubleStorage", numel: 4, shape: []int{4}, stride: []int{1}, storage: le(false, []float64{1.5, -0.1, 1e300, -1e-50})},
			false, []float32{1.5, float32(-0.1), float32(math.Inf(1)), float32(math.Copysign(0, -1))}, nil},
		{"float16", synthTensor{class: "HalfStorage", numel: 4, shape: []int{4}, stride: []int{1}, storage: le(false, []uint16{0x3C00, 0xC000, 0x3800, 0x0001})},
			false, []float32{1, -2, 0.5, 1.0 / (1 << 24)}, nil},
		{"bfloat16", synthTensor{class: "BFloat16Storage", numel: 3, shape: []int{3}, stride: []int{1}, storage: le(false, []uint16{0x3F80, 0xC000, 0x4040})},
			false, []float32{1, -2, 3}, nil},
		{"int64", synthTensor{class: "LongStorage", numel: 2, shape: []int{2}, stride: []int{1}, storage: le(false, []int64{7, -1 << 40})},
			false, nil, []int64{7, -1 << 40}},
		{"int32", synthTensor{class: "IntStorage", numel: 2, shape: []int{2}, stride: []int{1}, storage: le(false, []int32{-3, 1 << 30})},
			false, nil, []int64{-3, 1 << 30}},
		{"int16 transposed", synthTensor{class: "ShortStorage", numel: 4, shape: []int{2, 2}, stride: []int{1, 2}, storage: le(false, []int16{1, 2, 3, -4})},
			false, nil, []int64{1, 3, 2, -4}},
		{"int8", synthTensor{class: "CharStorage", numel: 2, shape: []int{2}, stride: []int{1}, storage: []byte{0xff, 5}},
			false, nil, []int64{-1, 5}},
		{"uint8", synthTensor{class: "ByteStorage", numel: 2, shape: []int{2}, stride: []int{1}, storage: []byte{0xff, 5}},
			false, nil, []int64{255, 5}},
		{"bool", synthTensor{class: "BoolStorage", numel: 2, shape: []int{2}, stride: []int{1}, storage: []byte{1, 0}},
			false, nil, []int64{1, 0}},
		{"big-endian float32", synthTensor{class: "FloatStorage", numel: 2, shape: []int{2}, stride: []int{1}, storage: le(true, []float32{1.25, -7})},
			true, []float32{1.25, -7}, nil},
		{"big-endian int64", synthTensor{class: "LongStorage", numel: 1, shape: []int{}, stride: []int{}, storage: le(true, []int64{7})},
			true, nil, []int64{7}},
		{"parameter", synthTensor{class: "FloatStorage", numel: 6, shape: []int{6}, stride: []int{1}, param: true, storage: six},
			false, []float32{0, 1, 2, 3, 4, 5}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.tensor.name, tc.tensor.key = "w", "0"
			order := "little"
			if tc.big {
				order = "big"
			}
			data := synthPth(t, []synthTensor{tc.tensor}, "", zipEntry{"archive/byteorder", []byte(order)})
			st, err := Decode(data)
			require.NoError(t, err)
			assert.Equal(t, order, st.Metadata["byteorder"])
			if tc.wantInt != nil {
				require.Contains(t, st.Ints, "w")
				assert.Equal(t, tc.tensor.shape, st.Ints["w"].Shape)
				assert.Equal(t, tc.wantInt, st.Ints["w"].Data)
				assert.Empty(t, st.Floats)
				return
			}
			require.Contains(t, st.Floats, "w")
			assert.Equal(t, tc.tensor.shape, st.Floats["w"].Shape)
			assert.Equal(t, tc.wantFloat, st.Floats["w"].Data)
			assert.Empty(t, st.Ints)
		})
	}
}

func TestDecodeCheckpointWrappers(t *testing.T) {
	ts := []synthTensor{
		{name: "a.weight", class: "FloatStorage", key: "0", numel: 2, shape: []int{2}, stride: []int{1}, storage: f32bytes(1, 2)},
		{name: "a.bias", class: "FloatStorage", key: "0", numel: 2, offset: 1, shape: []int{1}, stride: []int{1}, storage: f32bytes(1, 2)},
	}
	tests := []struct {
		wrapper string
		ignored string
	}{
		{"", ""},
		{"state_dict", "epoch"},
		{"model", "epoch"},
	}
	for _, tc := range tests {
		t.Run("wrapper="+tc.wrapper, func(t *testing.T) {
			st, err := Decode(synthPth(t, ts, tc.wrapper))
			require.NoError(t, err)
			assert.Equal(t, []string{"a.bias", "a.weight"}, st.Names())
			assert.Equal(t, []float32{1, 2}, st.Floats["a.weight"].Data)
			assert.Equal(t, []float32{2}, st.Floats["a.bias"].Data, "a view sharing a.weight's storage")
			assert.Equal(t, tc.wrapper, st.Metadata["wrapper"])
			assert.Equal(t, tc.ignored, st.Metadata["ignored"])
		})
	}
}

func TestDecodeKeepsNames(t *testing.T) {
	names := []string{"module.conv1.weight", "module.module.x", "weird name/with:chars", ""}
	var ts []synthTensor
	for i, n := range names {
		ts = append(ts, synthTensor{name: n, class: "FloatStorage", key: string(rune('a' + i)), numel: 1, shape: []int{}, stride: []int{}, storage: f32bytes(float32(i))})
	}
	st, err := Decode(synthPth(t, ts, ""))
	require.NoError(t, err)
	for i, n := range names {
		require.Contains(t, st.Floats, n)
		assert.Equal(t, []float32{float32(i)}, st.Floats[n].Data, n)
	}
}
