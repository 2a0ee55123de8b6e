package optim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/seedling-ml/seedling/nn"
)

// Names used in the saved state. Tensors are named
// optim.<param name>.<buffer>; metadata holds the optimizer type, the step
// count, the groups as JSON and, for Adam, each parameter's step count as
// optim.<param name>.step.
const (
	statePrefix = "optim."
	// MetaType is the metadata key holding "sgd", "adam" or "adamw".
	MetaType = "optim.type"
	// MetaSteps is the metadata key holding the number of Step calls.
	MetaSteps = "optim.steps"
	// MetaGroups is the metadata key holding the groups' names, parameter
	// names and hyper-parameters as JSON.
	MetaGroups = "optim.groups"

	bufMomentum = "momentum_buffer"
	bufExpAvg   = "exp_avg"
	bufExpAvgSq = "exp_avg_sq"
	bufMaxSq    = "max_exp_avg_sq"
	stepSuffix  = ".step"
)

// StateName returns the checkpoint name of a state buffer of a parameter,
// such as StateName("fc.weight", "exp_avg") == "optim.fc.weight.exp_avg".
func StateName(param, buffer string) string { return statePrefix + param + "." + buffer }

// savedTensor wraps a copy of buf with the parameter's shape.
func savedTensor(p *nn.Tensor, buf []float32) *nn.Tensor {
	return &nn.Tensor{Shape: append([]int{}, p.Shape...), Data: append([]float32(nil), buf...)}
}

// commonMeta returns the metadata every optimizer writes.
func commonMeta(kind string, steps int64, groupsJSON any) map[string]string {
	js, err := json.Marshal(groupsJSON)
	if err != nil { // plain structs of numbers and strings always marshal
		panic(fmt.Sprintf("optim: encoding groups: %v", err))
	}
	return map[string]string{
		MetaType:   kind,
		MetaSteps:  strconv.FormatInt(steps, 10),
		MetaGroups: string(js),
	}
}

// readCommonMeta checks the optimizer type and parses the step count and
// the groups JSON into groupsOut.
func readCommonMeta(kind string, meta map[string]string, groupsOut any) (int64, error) {
	got, ok := meta[MetaType]
	if !ok {
		return 0, fmt.Errorf("metadata has no %q: not an optimizer state", MetaType)
	}
	if got != kind {
		return 0, fmt.Errorf("state is for optimizer %q, this optimizer is %q", got, kind)
	}
	steps, err := strconv.ParseInt(meta[MetaSteps], 10, 64)
	if err != nil || steps < 0 {
		return 0, fmt.Errorf("metadata %q = %q is not a step count", MetaSteps, meta[MetaSteps])
	}
	if err := json.Unmarshal([]byte(meta[MetaGroups]), groupsOut); err != nil {
		return 0, fmt.Errorf("metadata %q: %w", MetaGroups, err)
	}
	return steps, nil
}

// checkGroupParams checks that the saved groups list the same parameter
// names, in the same order, as this optimizer's groups.
func (g *groups) checkGroupParams(saved [][]string) error {
	if len(saved) != len(g.params) {
		return fmt.Errorf("state has %d parameter groups, this optimizer has %d", len(saved), len(g.params))
	}
	for gi, ps := range g.params {
		label := groupLabel(gi, g.names[gi])
		if len(saved[gi]) != len(ps) {
			return fmt.Errorf("%s: state has %d parameters, this optimizer has %d", label, len(saved[gi]), len(ps))
		}
		for j, p := range ps {
			if saved[gi][j] != p.Name {
				return fmt.Errorf("%s: parameter %d is %q in the state but %q in this optimizer", label, j, saved[gi][j], p.Name)
			}
		}
	}
	return nil
}

// readBuffers collects the optim.* tensors as copies, by parameter name and
// buffer, after checking that each names a parameter of this optimizer and
// an allowed buffer, and has the parameter's shape.
func (g *groups) readBuffers(tensors map[string]*nn.Tensor, allowed ...string) (map[string]map[string][]float32, error) {
	shapes := map[string][]int{}
	for _, ps := range g.params {
		for _, p := range ps {
			shapes[p.Name] = p.Tensor.Shape
		}
	}
	out := map[string]map[string][]float32{}
	for _, name := range sortedNames(tensors) {
		if !strings.HasPrefix(name, statePrefix) {
			continue
		}
		t := tensors[name]
		rest := name[len(statePrefix):]
		dot := strings.LastIndexByte(rest, '.')
		if dot <= 0 {
			return nil, fmt.Errorf("tensor %q: not of the form optim.<param>.<buffer>", name)
		}
		param, buf := rest[:dot], rest[dot+1:]
		if !slices.Contains(allowed, buf) {
			return nil, fmt.Errorf("tensor %q: unknown buffer %q (expected one of %v)", name, buf, allowed)
		}
		shape, ok := shapes[param]
		if !ok {
			return nil, fmt.Errorf("tensor %q: no parameter %q in this optimizer", name, param)
		}
		if t == nil || !nn.SameShape(t.Shape, shape) || len(t.Data) != numel(shape) {
			var got any = "nil"
			if t != nil {
				got = t.Shape
			}
			return nil, fmt.Errorf("tensor %q: shape %v does not match parameter %q of shape %v", name, got, param, shape)
		}
		if out[param] == nil {
			out[param] = map[string][]float32{}
		}
		out[param][buf] = append([]float32(nil), t.Data...)
	}
	return out, nil
}

// readParamSteps parses the optim.<param>.step metadata entries.
func (g *groups) readParamSteps(meta map[string]string) (map[string]int64, error) {
	known := map[string]bool{}
	for _, ps := range g.params {
		for _, p := range ps {
			known[p.Name] = true
		}
	}
	out := map[string]int64{}
	for key, val := range meta {
		if !strings.HasPrefix(key, statePrefix) || !strings.HasSuffix(key, stepSuffix) {
			continue
		}
		param := key[len(statePrefix) : len(key)-len(stepSuffix)]
		if !known[param] {
			return nil, fmt.Errorf("metadata %q: no parameter %q in this optimizer", key, param)
		}
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("metadata %q = %q is not a step count >= 1", key, val)
		}
		out[param] = n
	}
	return out, nil
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
