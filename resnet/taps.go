package resnet

import (
	"fmt"
	"runtime"
	"sort"
	"strings"

	"github.com/seedling-ml/seedling/nn"
)

// recorder collects the outputs of the requested taps during a forward
// pass and stops the pass once the last of them is seen. A nil recorder
// records nothing.
type recorder struct {
	want    map[string]bool
	got     map[string]*nn.Tensor
	pending int
}

// stopForward is panicked to end a forward pass early; Run recovers it.
type stopForward struct{}

func newRecorder(names []string) *recorder {
	r := &recorder{want: map[string]bool{}, got: map[string]*nn.Tensor{}}
	for _, n := range names {
		if !r.want[n] {
			r.want[n] = true
			r.pending++
		}
	}
	return r
}

// call runs fn on x as the module prefix.name. A panic from the ops is
// re-raised with the module's name prepended, so that an error says where
// in the network it happened (for example "layer4.0.bn1: ...").
func (r *recorder) call(prefix, name string, x *nn.Tensor, fn func(*nn.Tensor) *nn.Tensor) *nn.Tensor {
	full := join(prefix, name)
	y := annotate(full, x, fn)
	r.tap(full, y)
	return y
}

func annotate(name string, x *nn.Tensor, fn func(*nn.Tensor) *nn.Tensor) (y *nn.Tensor) {
	defer func() {
		if p := recover(); p != nil {
			switch v := p.(type) {
			case stopForward, runtime.Error:
				panic(p)
			case string:
				if strings.HasPrefix(v, "resnet: ") {
					panic(p) // already named by an inner module
				}
				panic(fmt.Sprintf("resnet: %s (input %v): %s", name, x.Shape, v))
			default:
				panic(p)
			}
		}
	}()
	return fn(x)
}

// tap stores t if name was requested and ends the pass after the last one.
func (r *recorder) tap(name string, t *nn.Tensor) {
	if r == nil || !r.want[name] {
		return
	}
	if _, seen := r.got[name]; !seen {
		r.pending--
	}
	r.got[name] = t
	if r.pending == 0 {
		panic(stopForward{})
	}
}

// wants reports whether the tap name was requested.
func (r *recorder) wants(name string) bool { return r != nil && r.want[name] }

// fusable reports whether the steps inside module prefix may run as fused
// inference ops (nn.ConvBNAct): no graph is recorded through x, and no
// tap inside the module ("<prefix>.<anything>") is wanted, so none of the
// intermediate tensors the fusion skips is needed.
func (r *recorder) fusable(x *nn.Tensor, prefix string) bool {
	return !x.Tracked() && !r.wantsInside(prefix)
}

// wantsInside reports whether a tap inside module prefix
// ("<prefix>.<anything>") was requested.
func (r *recorder) wantsInside(prefix string) bool {
	if r == nil {
		return false
	}
	for name := range r.want {
		if strings.HasPrefix(name, prefix+".") {
			return true
		}
	}
	return false
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// TapNames lists every name that can be tapped, in forward order: the
// top-level modules (conv1, bn1, relu, maxpool, layer1..layer4, avgpool,
// flatten, fc), every unit ("layer2.1"), and inside each unit its convs and
// BNs ("layer2.1.conv1", "layer2.1.bn2"), the ReLU after the first BN
// ("layer2.1.relu1"; Bottleneck also "relu2"), the shortcut (identity or
// downsample output, "layer2.0.shortcut"), "layer2.0.downsample" with its
// ".0" conv and ".1" BN, and the sum before the unit's final ReLU
// ("layer2.1.add"). A unit's own name is its output after that ReLU.
func (m *ResNet) TapNames() []string {
	names := []string{"conv1", "bn1", "relu", "maxpool"}
	for s, blocks := range m.Layers {
		for i, b := range blocks {
			unit := fmt.Sprintf("%s.%d", stageName(s), i)
			for _, n := range b.tapNames() {
				names = append(names, unit+"."+n)
			}
			names = append(names, unit)
		}
		names = append(names, stageName(s))
	}
	return append(names, "avgpool", "flatten", "fc")
}

// Outputs holds the results of Run.
type Outputs struct {
	// Logits is [N, classes], or nil when the pass stopped at a tap before fc.
	Logits *nn.Tensor
	// Taps maps each requested tap name to its output.
	Taps map[string]*nn.Tensor
}

// Run applies the network to x and returns the logits and the outputs of
// the named taps (see TapNames; "logits" is accepted as an alias of "fc").
// When stopEarly is true and taps are given, the pass ends at the deepest
// requested tap (DeepDream on layer2 does not pay for layer3 and layer4)
// and Logits is nil unless "fc" was requested. Shape problems and unknown
// tap names are returned as errors naming the module or tap.
func (m *ResNet) Run(x *nn.Tensor, taps []string, stopEarly bool) (out *Outputs, err error) {
	taps, err = m.checkTaps(taps)
	if err != nil {
		return nil, err
	}
	if err := x.Check(); err != nil {
		return nil, fmt.Errorf("resnet: input: %w", err)
	}
	if x.Dim() != 4 || x.Shape[1] != 3 {
		return nil, fmt.Errorf("resnet: input must be an NCHW batch with 3 channels, got shape %v", x.Shape)
	}
	want := taps
	if !stopEarly || len(taps) == 0 {
		want = append(append([]string(nil), taps...), "fc")
	}
	rec := newRecorder(want)
	err = nn.Try(func() {
		defer func() {
			if p := recover(); p != nil {
				if _, ok := p.(stopForward); !ok {
					panic(p)
				}
			}
		}()
		m.forward(x, rec)
	})
	if err != nil {
		return nil, err
	}
	out = &Outputs{Logits: rec.got["fc"], Taps: map[string]*nn.Tensor{}}
	for _, t := range taps {
		out.Taps[t] = rec.got[t]
	}
	return out, nil
}

// CheckTaps returns an error naming the first of names that is not a tap
// of m (see TapNames), with the closest valid names, or nil. "logits" is
// accepted for "fc".
func (m *ResNet) CheckTaps(names ...string) error {
	_, err := m.checkTaps(names)
	return err
}

// checkTaps resolves aliases and rejects unknown names, listing close ones.
func (m *ResNet) checkTaps(taps []string) ([]string, error) {
	valid := map[string]bool{}
	for _, n := range m.TapNames() {
		valid[n] = true
	}
	out := make([]string, len(taps))
	for i, t := range taps {
		if t == "logits" {
			t = "fc"
		}
		if !valid[t] {
			return nil, fmt.Errorf("resnet: unknown tap %q for %s (examples: %s)", taps[i], m.Arch, strings.Join(similar(t, m.TapNames()), ", "))
		}
		out[i] = t
	}
	return out, nil
}

// similar returns up to 6 tap names sharing the longest prefix with name,
// shorter names first (so "layer2.2" suggests the units layer2.0 and
// layer2.1 before the modules inside them).
func similar(name string, all []string) []string {
	best := append([]string(nil), all...)
	common := func(a string) int {
		n := 0
		for n < len(a) && n < len(name) && a[n] == name[n] {
			n++
		}
		return n
	}
	sort.SliceStable(best, func(i, j int) bool {
		ci, cj := common(best[i]), common(best[j])
		if ci != cj {
			return ci > cj
		}
		return len(best[i]) < len(best[j])
	})
	if len(best) > 6 {
		best = best[:6]
	}
	return best
}
