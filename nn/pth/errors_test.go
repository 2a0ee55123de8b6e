package pth

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/internal/shared"
)

// replaceOnce replaces the first old in b by new and fails if there is none.
func replaceOnce(tb testing.TB, b []byte, old, new string) []byte {
	tb.Helper()
	require.True(tb, bytes.Contains(b, []byte(old)), "pattern %q not found", old)
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}

// editEntry returns an edit function for rezip that changes one entry.
func editEntry(name string, f func([]byte) []byte) func(string, []byte) []byte {
	return func(n string, b []byte) []byte {
		if n == name {
			return f(b)
		}
		return b
	}
}

// centralHeader returns the offset of the central directory record of the
// archive entry called name.
func centralHeader(tb testing.TB, data []byte, name string) int {
	tb.Helper()
	for i := 0; i+46 <= len(data); i++ {
		if string(data[i:i+4]) != "PK\x01\x02" {
			continue
		}
		n := int(binary.LittleEndian.Uint16(data[i+28:]))
		if i+46+n <= len(data) && string(data[i+46:i+46+n]) == name {
			return i
		}
	}
	tb.Fatalf("no central directory record for %s", name)
	return 0
}

func TestDecodeBadFiles(t *testing.T) {
	plainPath := shared.Path(t, "cases/C09_module_prefix_nbt/plain.pth")
	plain, err := os.ReadFile(plainPath)
	require.NoError(t, err)
	pkl := func(old, new string) []byte {
		return rezip(t, plainPath, editEntry("archive/data.pkl", func(b []byte) []byte { return replaceOnce(t, b, old, new) }))
	}
	const convShape = "(K\x04K\x03K\x03K\x03t"

	tests := []struct {
		name string
		data func() []byte
		want string
	}{
		{"empty file", func() []byte { return nil }, "not a zip archive"},
		{"truncated to half", func() []byte { return plain[:len(plain)/2] }, "not a zip archive"},
		{"truncated by one byte", func() []byte { return plain[:len(plain)-1] }, "not a zip archive"},
		{"legacy format", func() []byte { return append(append([]byte{}, legacyMagic...), 'K', 1, '.') }, "legacy torch.save format"},
		{"missing data.pkl", func() []byte {
			return rezip(t, plainPath, func(n string, b []byte) []byte {
				if strings.HasSuffix(n, "data.pkl") {
					return nil
				}
				return b
			})
		}, "no <folder>/data.pkl"},
		{"missing storage", func() []byte {
			return rezip(t, plainPath, func(n string, b []byte) []byte {
				if n == "archive/data/3" {
					return nil
				}
				return b
			})
		}, `storage "3": the archive has no data/3`},
		{"storage file shorter than its elements", func() []byte {
			return rezip(t, plainPath, editEntry("archive/data/0", func(b []byte) []byte { return b[:100] }))
		}, `tensor "conv1.weight": storage "0": data/0 holds 100 bytes, but 108 float32 elements need 432`},
		{"storage claims more elements than its file", func() []byte { return pkl("cpuq\x07Kl", "cpuq\x07J\x00\x00\x00\x10") },
			`storage "0": data/0 holds 432 bytes, but 268435456 float32 elements need 1073741824`},
		{"storage numel whose byte size overflows", func() []byte {
			b := rezip(t, plainPath, editEntry("archive/data.pkl", func(b []byte) []byte {
				b = replaceOnce(t, b, "cpuq\x07Kl", "cpuq\x07\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x40")
				return replaceOnce(t, b, "QK\x00(K\x04", "Q\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x30(K\x04")
			}))
			return b
		}, `data/0 holds 432 bytes, but 4611686018427387904 float32 elements need 18446744073709551616`},
		{"shape larger than the storage", func() []byte { return pkl(convShape, "(K\x05K\x03K\x03K\x03t") },
			`tensor of shape [5 3 3 3], stride [27 9 3 1] at offset 0 does not fit in storage "0" of 108 elements`},
		{"offset past the storage", func() []byte { return pkl("QK\x00(K\x04", "QK\x01(K\x04") },
			`at offset 1 does not fit in storage "0"`},
		{"huge shape", func() []byte { return pkl(convShape, "(J\xff\xff\xff\x7fK\x03K\x03K\x03t") },
			"tensor of shape [2147483647 3 3 3] has more elements than the file has bytes"},
		{"huge string length in the pickle", func() []byte { return pkl("X\x0c\x00\x00\x00conv1.weight", "X\xff\xff\xff\x7fconv1.weight") },
			"claims 2147483647 bytes"},
		{"unsupported class", func() []byte { return pkl("ctorch._utils\n_rebuild_tensor_v2\n", "cposix\nsystem\n") },
			`data.pkl: unsupported pickle class "posix.system"`},
		{"storage of an unsupported type", func() []byte { return pkl("ctorch\nFloatStorage\n", "ctorch\nComplexFloatStorage\n") },
			`unsupported pickle class "torch.ComplexFloatStorage"`},
		{"compressed entries", func() []byte {
			var entries []zipEntry
			zr, err := zip.NewReader(bytes.NewReader(plain), int64(len(plain)))
			require.NoError(t, err)
			for _, f := range zr.File {
				rc, err := f.Open()
				require.NoError(t, err)
				var b bytes.Buffer
				_, err = b.ReadFrom(rc)
				require.NoError(t, err)
				entries = append(entries, zipEntry{f.Name, b.Bytes()})
			}
			return buildZip(t, entries, zip.Deflate)
		}, "archive/data.pkl is compressed (method 8)"},
		{"entry size claim larger than the archive", func() []byte {
			b := append([]byte{}, plain...)
			h := centralHeader(t, b, "archive/data/0")
			binary.LittleEndian.PutUint32(b[h+24:], 0xfffffff0)
			return b
		}, "archive/data/0 claims 4294967280 bytes (432 stored)"},
		{"corrupt storage bytes", func() []byte {
			b := append([]byte{}, plain...)
			h := centralHeader(t, b, "archive/data/0")
			local := int(binary.LittleEndian.Uint32(b[h+42:]))
			start := local + 30 + int(binary.LittleEndian.Uint16(b[local+26:])) + int(binary.LittleEndian.Uint16(b[local+28:]))
			b[start+10] ^= 0xff
			return b
		}, "archive/data/0: zip: checksum error"},
		{"torchscript archive", func() []byte {
			return buildZip(t, []zipEntry{{"m/data.pkl", []byte("\x80\x02}.")}, {"m/constants.pkl", []byte("\x80\x02).")}}, zip.Store)
		}, "TorchScript"},
		{"pickle of a list", func() []byte {
			return buildZip(t, []zipEntry{{"a/data.pkl", []byte("\x80\x02]q\x00.")}}, zip.Store)
		}, "data.pkl holds a list, not a dict of tensors"},
		{"dict without tensors", func() []byte {
			return buildZip(t, []zipEntry{{"a/data.pkl", []byte("\x80\x02}(X\x05\x00\x00\x00epochK\x03u.")}}, zip.Store)
		}, `no tensors found: the top-level dict has entries ["epoch"]`},
		{"class through STACK_GLOBAL", func() []byte {
			return buildZip(t, []zipEntry{{"a/data.pkl", []byte("\x80\x04\x8c\x02os\x8c\x06system\x93.")}}, zip.Store)
		}, `unsupported pickle class "os.system"`},
		// gopickle resolves these two itself, without asking FindClass:
		// prescan must refuse them by name.
		{"__builtin__.object through STACK_GLOBAL", func() []byte {
			return buildZip(t, []zipEntry{{"a/data.pkl", []byte("\x80\x04\x8c\x0b__builtin__\x94\x8c\x06object\x94\x93.")}}, zip.Store)
		}, `unsupported pickle class "__builtin__.object"`},
		{"copy_reg._reconstructor through memoized names", func() []byte {
			return buildZip(t, []zipEntry{{"a/data.pkl", []byte("\x80\x04\x8c\x08copy_reg\x94\x8c\x0e_reconstructor\x94N0h\x00h\x01\x93.")}}, zip.Store)
		}, `unsupported pickle class "copy_reg._reconstructor"`},
		{"STACK_GLOBAL names that are not strings", func() []byte {
			return buildZip(t, []zipEntry{{"a/data.pkl", []byte("\x80\x04K\x01K\x02\x93.")}}, zip.Store)
		}, "STACK_GLOBAL at byte 6: its module and class name are not plain strings"},
		{"DICT with an odd number of items", func() []byte {
			return buildZip(t, []zipEntry{{"a/data.pkl", []byte("\x80\x02(K\x01d.")}}, zip.Store)
		}, "malformed pickle"},
		{"deeply nested marks", func() []byte {
			return buildZip(t, []zipEntry{{"a/data.pkl", []byte(strings.Repeat("(", 100) + ".")}}, zip.Store)
		}, "pickle nests more than 64 MARKs"},
		{"empty LONG1", func() []byte {
			return buildZip(t, []zipEntry{{"a/data.pkl", []byte("\x80\x02\x8a\x00.")}}, zip.Store)
		}, "LONG1 at byte 2 has no bytes"},
		{"pickle without STOP", func() []byte {
			return buildZip(t, []zipEntry{{"a/data.pkl", []byte("\x80\x02}")}}, zip.Store)
		}, "no STOP"},
		{"bad byteorder", func() []byte {
			return synthPth(t, []synthTensor{{name: "w", class: "FloatStorage", key: "0", numel: 1, shape: []int{}, stride: []int{}, storage: f32bytes(1)}},
				"", zipEntry{"archive/byteorder", []byte("middle")})
		}, `byteorder file holds "middle"`},
		{"zero strides beyond the file size", func() []byte {
			return synthPth(t, []synthTensor{{name: "w", class: "FloatStorage", key: "0", numel: 1, shape: []int{1 << 20}, stride: []int{0}, storage: f32bytes(1)}}, "")
		}, "more elements than the file has bytes"},
		{"many views of one storage beyond the file size", func() []byte {
			var ts []synthTensor
			for i := 0; i < 40; i++ {
				ts = append(ts, synthTensor{name: string(rune('a' + i)), class: "FloatStorage", key: "0", numel: 1024, shape: []int{1024}, stride: []int{1}, storage: make([]byte, 4096)})
			}
			return synthPth(t, ts, "")
		}, "the tensors hold more elements than the file has bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := Decode(tc.data())
			require.Error(t, err)
			assert.Nil(t, st)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "pth: "), err.Error())
		})
	}
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	plainPath := shared.Path(t, "cases/C09_module_prefix_nbt/plain.pth")
	bad := rezip(t, plainPath, editEntry("archive/data.pkl", func(b []byte) []byte {
		return replaceOnce(t, b, "ctorch._utils\n_rebuild_tensor_v2\n", "cos\nsystem\n")
	}))
	path := writeTemp(t, "file.pth", bad)
	_, err := Load(path)
	require.Error(t, err)
	assert.Equal(t, "pth: "+path+`: data.pkl: unsupported pickle class "os.system"`, err.Error())
	var uc *UnsupportedClassError
	require.True(t, errors.As(err, &uc))
	assert.Equal(t, UnsupportedClassError{Module: "os", Name: "system"}, *uc)

	_, err = Load(path + ".missing")
	require.Error(t, err)
	assert.True(t, errors.Is(err, os.ErrNotExist))
	assert.Contains(t, err.Error(), "file.pth.missing")
}
