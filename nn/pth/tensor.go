package pth

import (
	"encoding/binary"
	"math"

	"github.com/seedling-ml/seedling/nn"
)

// materialize reads tensor t's elements from its storage into st, gathering
// through the strides (a contiguous tensor is one run of the storage).
func (d *decoder) materialize(st *nn.Safetensors, name string, t *tensorRef) error {
	raw, err := d.storageBytes(t.storage)
	if err != nil {
		return err
	}
	shape := append([]int{}, t.shape...)
	dt := t.storage.dtype
	var order binary.ByteOrder = binary.LittleEndian
	if d.big {
		order = binary.BigEndian
	}
	if dt.float {
		out := make([]float32, t.numel)
		forEachElement(t, func(i, e int) { out[i] = floatAt(raw, e, dt, order) })
		st.Floats[name] = &nn.Tensor{Shape: shape, Data: out}
		return nil
	}
	out := make([]int64, t.numel)
	forEachElement(t, func(i, e int) { out[i] = intAt(raw, e, dt, order) })
	st.Ints[name] = &nn.IntTensor{Shape: shape, Data: out}
	return nil
}

// forEachElement calls fn(i, e) for every element of t in row-major order:
// i counts elements, e is the element's storage index, offset +
// sum(index[k]*stride[k]). newTensorRef has checked that every e lies
// inside the storage.
func forEachElement(t *tensorRef, fn func(i, e int)) {
	if t.numel == 0 {
		return
	}
	if contiguous(t.shape, t.stride) {
		for i := 0; i < t.numel; i++ {
			fn(i, t.offset+i)
		}
		return
	}
	pos := make([]int, len(t.shape))
	at := t.offset
	for i := 0; ; i++ {
		fn(i, at)
		k := len(pos) - 1
		for ; k >= 0; k-- {
			pos[k]++
			at += t.stride[k]
			if pos[k] < t.shape[k] {
				break
			}
			at -= pos[k] * t.stride[k]
			pos[k] = 0
		}
		if k < 0 {
			return
		}
	}
}

// contiguous reports whether stride is the row-major stride of shape
// (dimensions of size 1 may have any stride, as in PyTorch).
func contiguous(shape, stride []int) bool {
	want := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 && stride[i] != want {
			return false
		}
		want *= shape[i]
	}
	return true
}

// floatAt decodes element e of a floating storage to float32.
func floatAt(raw []byte, e int, dt *dtype, order binary.ByteOrder) float32 {
	b := raw[e*dt.size:]
	switch dt.name {
	case "float32":
		return math.Float32frombits(order.Uint32(b))
	case "float64":
		return float32(math.Float64frombits(order.Uint64(b)))
	case "float16":
		return nn.Float16ToFloat32(order.Uint16(b))
	default: // bfloat16
		return math.Float32frombits(uint32(order.Uint16(b)) << 16)
	}
}

// intAt decodes element e of an integer or bool storage to int64.
func intAt(raw []byte, e int, dt *dtype, order binary.ByteOrder) int64 {
	b := raw[e*dt.size:]
	switch dt.name {
	case "int64":
		return int64(order.Uint64(b))
	case "int32":
		return int64(int32(order.Uint32(b)))
	case "int16":
		return int64(int16(order.Uint16(b)))
	case "int8":
		return int64(int8(b[0]))
	default: // uint8, bool
		return int64(b[0])
	}
}
