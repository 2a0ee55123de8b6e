package pth

import (
	"fmt"
	"strings"

	"github.com/nlpodyssey/gopickle/types"
)

// wrapperKeys are the entries of a training checkpoint that may hold the
// model's state_dict, in order of preference.
var wrapperKeys = []string{"state_dict", "model"}

// entry is one key/value pair of a pickled dict, in file order.
type entry struct {
	key   any
	value any
}

// dictEntries returns the pairs of a pickled dict or OrderedDict, or false
// for any other value.
func dictEntries(v any) ([]entry, bool) {
	switch d := v.(type) {
	case *types.Dict:
		out := make([]entry, 0, len(*d))
		for _, e := range *d {
			out = append(out, entry{e.Key, e.Value})
		}
		return out, true
	case *types.OrderedDict:
		out := make([]entry, 0, d.Len())
		for el := d.List.Front(); el != nil; el = el.Next() {
			e := el.Value.(*types.OrderedDictEntry)
			out = append(out, entry{e.Key, e.Value})
		}
		return out, true
	}
	return nil, false
}

// stateDict is the list of named tensors found in the pickle, with notes
// for the metadata.
type stateDict struct {
	names   []string
	tensors []*tensorRef
	wrapper string   // the checkpoint key it was found under, or ""
	ignored []string // non-tensor entries skipped (in a checkpoint: its other keys, then "<wrapper>.<name>")
}

// findStateDict picks the tensors out of the unpickled object: a dict of
// tensors (a state_dict), or a checkpoint dict whose "state_dict" or
// "model" entry is one. Entries that are not tensors are skipped and
// listed; names are kept exactly as saved.
func findStateDict(obj any) (*stateDict, error) {
	top, ok := dictEntries(obj)
	if !ok {
		return nil, fmt.Errorf("data.pkl holds %s, not a dict of tensors", describe(obj))
	}
	for _, w := range wrapperKeys {
		for _, e := range top {
			if k, _ := e.key.(string); k != w {
				continue
			}
			inner, ok := dictEntries(e.value)
			if !ok {
				continue
			}
			sd, err := collect(inner)
			if err != nil {
				return nil, fmt.Errorf("checkpoint entry %q: %w", w, err)
			}
			if len(sd.tensors) == 0 {
				continue
			}
			sd.wrapper = w
			var ignored []string
			for _, o := range top {
				if k, ok := o.key.(string); ok && k != w {
					ignored = append(ignored, k)
				}
			}
			for _, k := range sd.ignored {
				ignored = append(ignored, w+"."+k)
			}
			sd.ignored = ignored
			return sd, nil
		}
	}
	sd, err := collect(top)
	if err != nil {
		return nil, err
	}
	if len(sd.tensors) == 0 {
		return nil, fmt.Errorf("no tensors found: the top-level dict has entries %s and no %q or %q dict of tensors", keyList(top), wrapperKeys[0], wrapperKeys[1])
	}
	return sd, nil
}

// collect gathers the tensor entries of one dict, rejecting non-string
// and duplicate names.
func collect(es []entry) (*stateDict, error) {
	sd := &stateDict{}
	seen := map[string]bool{}
	for _, e := range es {
		name, ok := e.key.(string)
		if !ok {
			return nil, fmt.Errorf("dict key %s is not a string", describe(e.key))
		}
		t, ok := e.value.(*tensorRef)
		if !ok {
			sd.ignored = append(sd.ignored, name)
			continue
		}
		if seen[name] {
			return nil, fmt.Errorf("tensor %q appears twice", name)
		}
		seen[name] = true
		sd.names = append(sd.names, name)
		sd.tensors = append(sd.tensors, t)
	}
	return sd, nil
}

// keyList formats the string keys of a dict for an error message, the
// first few only.
func keyList(es []entry) string {
	var ks []string
	for i, e := range es {
		if i == 8 {
			ks = append(ks, "...")
			break
		}
		if k, ok := e.key.(string); ok {
			ks = append(ks, fmt.Sprintf("%q", k))
		} else {
			ks = append(ks, describe(e.key))
		}
	}
	return "[" + strings.Join(ks, ", ") + "]"
}
