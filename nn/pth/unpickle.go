package pth

import (
	"bytes"
	"fmt"
	"math/big"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// dtype is the element type of a torch storage.
type dtype struct {
	name  string
	size  int  // bytes per element
	float bool // converted to float32; otherwise to int64
}

// storageRef is a storage named by the pickle: its bytes are the archive
// entry data/<key>, read only if a tensor of the state_dict uses it.
type storageRef struct {
	dtype *dtype
	key   string
	numel int // elements, as the pickle claims
}

// tensorRef is a tensor described by _rebuild_tensor_v2: a strided view of
// a storage. Its extent has been checked against the storage's numel.
type tensorRef struct {
	storage *storageRef
	offset  int
	shape   []int
	stride  []int
	numel   int
}

// unpickle runs gopickle over a prescanned data.pkl with the decoder's
// FindClass and PersistentLoad. gopickle is trusted not to run anything,
// but it can panic on some malformed input that prescan cannot see (for
// instance a DICT with an odd number of items); such a panic is turned back
// into an error here as a last resort.
func (d *decoder) unpickle(pkl []byte) (obj any, err error) {
	if err := prescan(pkl); err != nil {
		return nil, fmt.Errorf("data.pkl: %w", err)
	}
	defer func() {
		if r := recover(); r != nil {
			obj, err = nil, fmt.Errorf("data.pkl: malformed pickle: %v", r)
		}
	}()
	u := pickle.NewUnpickler(bytes.NewReader(pkl))
	u.FindClass = d.findClass
	u.PersistentLoad = d.persistentLoad
	obj, err = u.Load()
	if err != nil {
		return nil, fmt.Errorf("data.pkl: %w", err)
	}
	return obj, nil
}

// persistentLoad resolves torch's persistent id
// ('storage', <storage class>, key, location, numel) to a storageRef.
func (d *decoder) persistentLoad(pid any) (any, error) {
	t, ok := pid.(*types.Tuple)
	if !ok || t.Len() != 5 {
		return nil, fmt.Errorf("persistent id %s is not a 5-tuple ('storage', class, key, location, numel)", describe(pid))
	}
	if s, _ := t.Get(0).(string); s != "storage" {
		return nil, fmt.Errorf("persistent id of kind %s is not supported (only 'storage')", describe(t.Get(0)))
	}
	dt, ok := t.Get(1).(*dtype)
	if !ok {
		return nil, fmt.Errorf("storage class %s is not a torch storage type", describe(t.Get(1)))
	}
	key, ok := t.Get(2).(string)
	if !ok {
		return nil, fmt.Errorf("storage key %s is not a string", describe(t.Get(2)))
	}
	if _, ok := t.Get(3).(string); !ok {
		return nil, fmt.Errorf("storage %q: location %s is not a string", key, describe(t.Get(3)))
	}
	numel, ok := t.Get(4).(int)
	if !ok || numel < 0 {
		return nil, fmt.Errorf("storage %q: size %s is not a non-negative integer", key, describe(t.Get(4)))
	}
	if s, seen := d.storages[key]; seen {
		if s.dtype != dt || s.numel != numel {
			return nil, fmt.Errorf("storage %q is named twice with different types or sizes (%s[%d], %s[%d])", key, s.dtype.name, s.numel, dt.name, numel)
		}
		return s, nil
	}
	s := &storageRef{dtype: dt, key: key, numel: numel}
	d.storages[key] = s
	return s, nil
}

// rebuildTensor stands for torch._utils._rebuild_tensor_v2(storage,
// storage_offset, size, stride, requires_grad, backward_hooks[, metadata]).
// It returns a tensorRef; no data is read yet.
type rebuildTensor struct{ d *decoder }

// Call checks the arguments and the view's extent.
func (r rebuildTensor) Call(args ...any) (any, error) {
	if len(args) != 6 && len(args) != 7 {
		return nil, fmt.Errorf("_rebuild_tensor_v2 takes 6 or 7 arguments, got %d", len(args))
	}
	s, ok := args[0].(*storageRef)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2: argument 0 is %s, not a storage", describe(args[0]))
	}
	offset, ok := args[1].(int)
	if !ok || offset < 0 {
		return nil, fmt.Errorf("_rebuild_tensor_v2: storage offset %s is not a non-negative integer", describe(args[1]))
	}
	shape, err := intTuple(args[2], "size")
	if err != nil {
		return nil, err
	}
	stride, err := intTuple(args[3], "stride")
	if err != nil {
		return nil, err
	}
	if len(shape) != len(stride) {
		return nil, fmt.Errorf("_rebuild_tensor_v2: size %v and stride %v differ in length", shape, stride)
	}
	if _, ok := args[4].(bool); !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2: requires_grad %s is not a bool", describe(args[4]))
	}
	return newTensorRef(s, offset, shape, stride, r.d.budget)
}

// rebuildParameter stands for torch._utils._rebuild_parameter(data,
// requires_grad, backward_hooks): an nn.Parameter is kept as its tensor.
type rebuildParameter struct{}

// Call returns the wrapped tensor.
func (rebuildParameter) Call(args ...any) (any, error) {
	if len(args) != 3 {
		return nil, fmt.Errorf("_rebuild_parameter takes 3 arguments, got %d", len(args))
	}
	t, ok := args[0].(*tensorRef)
	if !ok {
		return nil, fmt.Errorf("_rebuild_parameter: argument 0 is %s, not a tensor", describe(args[0]))
	}
	return t, nil
}

// newTensorRef checks that a view lies inside its storage and that its
// element count stays within budget (the input's byte length: a tensor with
// more elements than the file has bytes can only come from zero strides).
func newTensorRef(s *storageRef, offset int, shape, stride []int, budget int) (*tensorRef, error) {
	numel := 1
	for _, n := range shape {
		if n == 0 {
			numel = 0
			break
		}
	}
	if numel != 0 {
		for _, n := range shape {
			if n > budget/numel {
				return nil, fmt.Errorf("tensor of shape %v has more elements than the file has bytes (%d)", shape, budget)
			}
			numel *= n
		}
		// The last element sits at offset + sum((shape[i]-1)*stride[i]);
		// every term is bounded by the storage size before it is added.
		last := offset
		for i, n := range shape {
			if stride[i] != 0 && n-1 > (s.numel-last)/stride[i] {
				return nil, fmt.Errorf("tensor of shape %v, stride %v at offset %d does not fit in storage %q of %d elements", shape, stride, offset, s.key, s.numel)
			}
			last += (n - 1) * stride[i]
		}
		if last >= s.numel {
			return nil, fmt.Errorf("tensor of shape %v, stride %v at offset %d does not fit in storage %q of %d elements", shape, stride, offset, s.key, s.numel)
		}
	}
	return &tensorRef{storage: s, offset: offset, shape: shape, stride: stride, numel: numel}, nil
}

// intTuple reads a tuple of non-negative ints (a size or a stride).
func intTuple(v any, what string) ([]int, error) {
	t, ok := v.(*types.Tuple)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2: %s %s is not a tuple", what, describe(v))
	}
	out := make([]int, t.Len())
	for i := range out {
		n, ok := t.Get(i).(int)
		if !ok || n < 0 {
			return nil, fmt.Errorf("_rebuild_tensor_v2: %s element %d is %s, not a non-negative integer", what, i, describe(t.Get(i)))
		}
		out[i] = n
	}
	return out, nil
}

// describe names a pickled value's type for an error message without
// printing the value (which may be large or cyclic).
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case string:
		if len(x) > 40 {
			x = x[:40] + "..."
		}
		return fmt.Sprintf("%q", x)
	case int:
		return fmt.Sprintf("%d", x)
	case bool:
		return fmt.Sprintf("%t", x)
	case *big.Int:
		return "a big integer"
	case float64:
		return "a float"
	case *types.Tuple:
		return fmt.Sprintf("a %d-tuple", x.Len())
	case *types.List:
		return "a list"
	case *types.Dict, *types.OrderedDict:
		return "a dict"
	case *tensorRef:
		return "a tensor"
	case *storageRef:
		return "a storage"
	case *dtype:
		return "a storage class"
	}
	return fmt.Sprintf("a %T", v)
}
