//go:build ignore

// gencorpus writes the file part of the seed corpora of the weight-file
// fuzz targets, in the go test fuzz v1 format:
//
//   - nn/testdata/fuzz/FuzzDecodeSafetensors: the C09 safetensors files as
//     they are, C09's plain file converted by value to F16, BF16 and F64,
//     the C10 file and the three reference files shrunk (every dimension
//     cut to at most 2, keeping the names, dtypes and metadata), the
//     reference header with its data cut short, and empty tensors that
//     share an offset with a non-empty one (a former false "overlap").
//   - nn/pth/testdata/fuzz/FuzzDecode: the C09 .pth files as they are and
//     the reference .pth trimmed to its real pickle and its storages of at
//     most 256 bytes (so the pickle is torch's own, the archive small).
//
// Run it from the module root with the shared data beside it:
//
//	go run nn/testdata/gencorpus.go ../shared
package main

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"sort"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: go run nn/testdata/gencorpus.go <shared folder>")
	}
	root := os.Args[1]
	st := filepath.Join("nn", "testdata", "fuzz", "FuzzDecodeSafetensors")
	pt := filepath.Join("nn", "pth", "testdata", "fuzz", "FuzzDecode")
	c09 := filepath.Join(root, "cases", "C09_module_prefix_nbt")

	for _, name := range []string{"plain.safetensors", "dataparallel.safetensors"} {
		write(st, "c09_"+name, read(filepath.Join(c09, name)))
	}
	plain := parse(read(filepath.Join(c09, "plain.safetensors")))
	for _, dt := range []string{"F16", "BF16", "F64"} {
		write(st, "c09_plain_"+dt, plain.convert(dt).encode())
	}
	for name, file := range map[string]string{
		"c10_shrunk":                filepath.Join(root, "cases", "C10_fc_mismatch", "imagenet_head_subset.safetensors"),
		"ops_shrunk":                filepath.Join(root, "reference", "ops.safetensors"),
		"resnet18_io_shrunk":        filepath.Join(root, "reference", "resnet18_io.safetensors"),
		"resnet18_seedlings_shrunk": filepath.Join(root, "reference", "resnet18_seedlings.safetensors"),
	} {
		write(st, name, parse(read(file)).shrink().encode())
	}
	ref := read(filepath.Join(root, "reference", "resnet18_seedlings.safetensors"))
	n := binary.LittleEndian.Uint64(ref)
	write(st, "resnet18_seedlings_cut", ref[:8+n+64])
	write(st, "empty_shares_offset", raw(`{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]},"s":{"dtype":"F32","shape":[],"data_offsets":[4,8]},"n":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 8)))
	write(st, "empty_inside_tensor", raw(`{"w":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"e":{"dtype":"BF16","shape":[2,0],"data_offsets":[2,2]}}`, make([]byte, 8)))

	for _, name := range []string{"plain.pth", "dataparallel.pth", "no_num_batches_tracked.pth", "training_checkpoint.pth"} {
		write(pt, "c09_"+name, read(filepath.Join(c09, name)))
	}
	write(pt, "resnet18_seedlings_trimmed", trimPth(filepath.Join(root, "reference", "resnet18_seedlings.pth"), 256))
}

func read(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	return b
}

// write stores data as one corpus file in the go test fuzz v1 format.
func write(dir, name string, data []byte) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	text := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		log.Fatal(err)
	}
}

type entry struct {
	Dtype   string    `json:"dtype"`
	Shape   []int     `json:"shape"`
	Offsets [2]uint64 `json:"data_offsets"`
	data    []byte
}

type file struct {
	meta    map[string]string
	tensors map[string]*entry
}

var sizes = map[string]int{"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}

func parse(b []byte) *file {
	n := binary.LittleEndian.Uint64(b)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &raw); err != nil {
		log.Fatal(err)
	}
	f := &file{tensors: map[string]*entry{}}
	for k, v := range raw {
		if k == "__metadata__" {
			if err := json.Unmarshal(v, &f.meta); err != nil {
				log.Fatal(err)
			}
			continue
		}
		e := &entry{}
		if err := json.Unmarshal(v, e); err != nil {
			log.Fatal(err)
		}
		e.data = b[8+n+e.Offsets[0] : 8+n+e.Offsets[1]]
		f.tensors[k] = e
	}
	return f
}

// shrink cuts every dimension to at most 2, keeping the leading corner.
func (f *file) shrink() *file {
	out := &file{meta: f.meta, tensors: map[string]*entry{}}
	for k, e := range f.tensors {
		size := sizes[e.Dtype]
		shape := make([]int, len(e.Shape))
		numel := 1
		for i, d := range e.Shape {
			shape[i] = min(d, 2)
			numel *= shape[i]
		}
		strides := make([]int, len(e.Shape))
		s := 1
		for i := len(e.Shape) - 1; i >= 0; i-- {
			strides[i] = s
			s *= e.Shape[i]
		}
		data := make([]byte, 0, numel*size)
		idx := make([]int, len(shape))
		for j := 0; j < numel; j++ {
			off := 0
			for i := range idx {
				off += idx[i] * strides[i]
			}
			data = append(data, e.data[off*size:(off+1)*size]...)
			for i := len(idx) - 1; i >= 0; i-- {
				if idx[i]++; idx[i] < shape[i] {
					break
				}
				idx[i] = 0
			}
		}
		out.tensors[k] = &entry{Dtype: e.Dtype, Shape: shape, data: data}
	}
	return out
}

// convert rewrites every F32 tensor by value in dtype (F16, BF16 or F64).
func (f *file) convert(dtype string) *file {
	out := &file{meta: f.meta, tensors: map[string]*entry{}}
	for k, e := range f.tensors {
		if e.Dtype != "F32" {
			out.tensors[k] = e
			continue
		}
		var data []byte
		for i := 0; i < len(e.data); i += 4 {
			bits := binary.LittleEndian.Uint32(e.data[i:])
			switch dtype {
			case "F64":
				data = binary.LittleEndian.AppendUint64(data, math.Float64bits(float64(math.Float32frombits(bits))))
			case "BF16":
				data = binary.LittleEndian.AppendUint16(data, uint16((bits+0x7fff+(bits>>16)&1)>>16))
			case "F16":
				data = binary.LittleEndian.AppendUint16(data, toF16(math.Float32frombits(bits)))
			}
		}
		out.tensors[k] = &entry{Dtype: dtype, Shape: e.Shape, data: data}
	}
	return out
}

// toF16 rounds a normal-range float32 to the nearest half (ties away from
// zero is close enough for seeds).
func toF16(v float32) uint16 {
	bits := math.Float32bits(v)
	sign := uint16(bits>>16) & 0x8000
	a := math.Abs(float64(v))
	if a < 6.103515625e-05 { // subnormal half: multiples of 2^-24
		return sign | uint16(math.Round(a*(1<<24)))
	}
	exp := int((bits>>23)&0xff) - 127 + 15
	mant := (bits & 0x7fffff) + 0x1000
	if mant&0x800000 != 0 {
		mant = 0
		exp++
	}
	if exp >= 31 {
		return sign | 0x7c00
	}
	return sign | uint16(exp)<<10 | uint16(mant>>13)
}

// encode lays the tensors out in name order.
func (f *file) encode() []byte {
	names := make([]string, 0, len(f.tensors))
	for k := range f.tensors {
		names = append(names, k)
	}
	sort.Strings(names)
	header := map[string]any{}
	if len(f.meta) > 0 {
		header["__metadata__"] = f.meta
	}
	var data []byte
	for _, k := range names {
		e := f.tensors[k]
		e.Offsets = [2]uint64{uint64(len(data)), uint64(len(data) + len(e.data))}
		data = append(data, e.data...)
		header[k] = e
	}
	js, err := json.Marshal(header)
	if err != nil {
		log.Fatal(err)
	}
	return raw(string(js), data)
}

// raw assembles a safetensors file from its header text and data section.
func raw(header string, data []byte) []byte {
	for len(header)%8 != 0 {
		header += " "
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

// trimPth copies a .pth archive keeping data.pkl, the small entries and the
// storages of at most limit bytes, all stored as torch.save stores them.
func trimPth(path string, limit uint64) []byte {
	zr, err := zip.OpenReader(path)
	if err != nil {
		log.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if f.UncompressedSize64 > limit && filepath.Base(f.Name) != "data.pkl" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			log.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			log.Fatal(err)
		}
		fw, err := w.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			log.Fatal(err)
		}
		if _, err := fw.Write(b); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}
