package nn

import (
	"fmt"
	"strings"
)

// LoadOptions controls LoadStateDict. The zero value is PyTorch's
// load_state_dict(strict=True) after stripping a DataParallel prefix.
type LoadOptions struct {
	// NonStrict forgives missing and unexpected names (strict=False). Shape
	// mismatches are still errors unless SkipMismatched is set, as in PyTorch.
	NonStrict bool
	// SkipMismatched leaves parameters whose shape differs from the file's
	// at their current values and reports them instead of failing.
	SkipMismatched bool
	// Exclude lists name prefixes to leave untouched, such as "fc." to keep a
	// fresh head when fine-tuning from ImageNet weights.
	Exclude []string
	// KeepPrefix disables stripping a leading "module." (DataParallel/DDP)
	// from every key.
	KeepPrefix bool
}

// Mismatch describes a tensor whose shape differs between file and model.
type Mismatch struct {
	Name       string
	FileShape  []int
	ModelShape []int
}

// String names the tensor and gives both shapes.
func (m Mismatch) String() string {
	return fmt.Sprintf("%s: checkpoint %v vs model %v", m.Name, m.FileShape, m.ModelShape)
}

// LoadReport lists what LoadStateDict did.
type LoadReport struct {
	Loaded     []string   // names copied into the model
	Missing    []string   // model names absent from the file (counters excluded)
	Unexpected []string   // file names the model does not have
	Mismatched []Mismatch // shape differences (skipped when SkipMismatched)
	Excluded   []string   // model names left alone because of Exclude
	// DefaultedCounters lists num_batches_tracked counters absent from the
	// file; they are set to 0 (older checkpoints lack them).
	DefaultedCounters []string
}

// LoadError is returned when a state dict does not fit; it carries the
// report so a caller can show every problem at once.
type LoadError struct {
	Report *LoadReport
	Msg    string
}

// Error returns the message, which lists the keys at fault.
func (e *LoadError) Error() string { return e.Msg }

// StateDict returns a module's tensors by dotted name: parameters and
// running statistics as float tensors, num_batches_tracked counters as
// integers. The float tensors are shared with the module, not copied.
func StateDict(m Module) (floats map[string]*Tensor, ints map[string]*IntTensor) {
	floats = map[string]*Tensor{}
	for _, p := range Parameters(m) {
		floats[p.Name] = p.Tensor
	}
	for _, b := range Buffers(m) {
		floats[b.Name] = b.Tensor
	}
	ints = map[string]*IntTensor{}
	for _, c := range IntBuffers(m) {
		ints[c.Name] = &IntTensor{Shape: []int{}, Data: []int64{*c.Value}}
	}
	return floats, ints
}

// LoadStateDict copies the tensors of sd into the module by name, like
// PyTorch's load_state_dict. Every
// problem (missing, unexpected and shape-mismatched names, with both
// shapes) is listed in the report; in strict mode any of them, and in every
// mode a shape mismatch without SkipMismatched, makes it fail with a
// *LoadError naming them, leaving the model unchanged.
func LoadStateDict(m Module, sd *Safetensors, opts LoadOptions) (*LoadReport, error) {
	if sd == nil {
		return nil, fmt.Errorf("nn: LoadStateDict: nil state dict")
	}
	floats, ints := renameKeys(sd, opts.KeepPrefix)
	rep := &LoadReport{}
	excluded := func(name string) bool {
		for _, p := range opts.Exclude {
			if strings.HasPrefix(name, p) || name == strings.TrimSuffix(p, ".") {
				return true
			}
		}
		return false
	}
	modelF, modelI := StateDict(m)
	type copyOp struct{ dst, src *Tensor }
	var copies []copyOp
	for _, name := range sortedKeys(modelF) {
		if excluded(name) {
			rep.Excluded = append(rep.Excluded, name)
			continue
		}
		src, ok := floats[name]
		if !ok {
			rep.Missing = append(rep.Missing, name)
			continue
		}
		if err := src.Check(); err != nil {
			return nil, fmt.Errorf("nn: LoadStateDict: %s: %w", name, err)
		}
		dst := modelF[name]
		if !SameShape(src.Shape, dst.Shape) {
			rep.Mismatched = append(rep.Mismatched, Mismatch{name, src.Shape, dst.Shape})
			continue
		}
		copies = append(copies, copyOp{dst, src})
		rep.Loaded = append(rep.Loaded, name)
	}
	counters := map[string]*int64{}
	for _, c := range IntBuffers(m) {
		counters[c.Name] = c.Value
	}
	counterVals := map[string]int64{}
	for _, name := range sortedKeys(modelI) {
		if excluded(name) {
			rep.Excluded = append(rep.Excluded, name)
			continue
		}
		src, ok := ints[name]
		switch {
		case !ok:
			if f, isFloat := floats[name]; isFloat && len(f.Data) == 1 {
				counterVals[name] = int64(f.Data[0])
				rep.Loaded = append(rep.Loaded, name)
				continue
			}
			// An older checkpoint lacks the counter but has the rest of
			// the BatchNorm: default it to 0. Otherwise the whole module
			// is missing and so is its counter.
			if _, hasStats := floats[strings.TrimSuffix(name, "num_batches_tracked")+"running_mean"]; hasStats {
				rep.DefaultedCounters = append(rep.DefaultedCounters, name)
				counterVals[name] = 0
			} else {
				rep.Missing = append(rep.Missing, name)
			}
		case len(src.Data) != 1:
			rep.Mismatched = append(rep.Mismatched, Mismatch{name, src.Shape, []int{}})
		default:
			counterVals[name] = src.Data[0]
			rep.Loaded = append(rep.Loaded, name)
		}
	}
	for _, name := range sortedKeys(floats) {
		if _, ok := modelF[name]; !ok {
			if _, isCounter := modelI[name]; !isCounter {
				rep.Unexpected = append(rep.Unexpected, name)
			}
		}
	}
	for _, name := range sortedKeys(ints) {
		if _, ok := modelI[name]; !ok {
			rep.Unexpected = append(rep.Unexpected, name)
		}
	}
	var problems []string
	if len(rep.Mismatched) > 0 && !opts.SkipMismatched {
		lines := make([]string, len(rep.Mismatched))
		for i, mm := range rep.Mismatched {
			lines[i] = mm.String()
		}
		if len(lines) > 12 {
			lines = append(lines[:12], fmt.Sprintf("... (%d more)", len(lines)-12))
		}
		problems = append(problems, "size mismatch for "+strings.Join(lines, "; "))
	}
	if !opts.NonStrict {
		if len(rep.Missing) > 0 {
			problems = append(problems, fmt.Sprintf("missing keys (%d): %s", len(rep.Missing), abbreviate(rep.Missing)))
		}
		if len(rep.Unexpected) > 0 {
			problems = append(problems, fmt.Sprintf("unexpected keys (%d): %s", len(rep.Unexpected), abbreviate(rep.Unexpected)))
		}
	}
	if len(problems) > 0 {
		return rep, &LoadError{Report: rep, Msg: "loading weights: " + strings.Join(problems, "; ")}
	}
	for _, c := range copies {
		copy(c.dst.Data, c.src.Data)
	}
	for name, v := range counterVals {
		*counters[name] = v
	}
	return rep, nil
}

// renameKeys strips a uniform "module." prefix unless keep is set.
func renameKeys(sd *Safetensors, keep bool) (map[string]*Tensor, map[string]*IntTensor) {
	strip := !keep
	if strip {
		for _, n := range sd.Names() {
			if !strings.HasPrefix(n, "module.") {
				strip = false
				break
			}
		}
	}
	if !strip {
		return sd.Floats, sd.Ints
	}
	f := map[string]*Tensor{}
	for k, v := range sd.Floats {
		f[strings.TrimPrefix(k, "module.")] = v
	}
	i := map[string]*IntTensor{}
	for k, v := range sd.Ints {
		i[strings.TrimPrefix(k, "module.")] = v
	}
	return f, i
}

func abbreviate(names []string) string {
	if len(names) <= 12 {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:12], ", ") + fmt.Sprintf(", ... (%d more)", len(names)-12)
}
