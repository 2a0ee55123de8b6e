package nn

// Named pairs a tensor with its dotted PyTorch-style name, such as
// "layer1.0.conv1.weight".
type Named struct {
	Name   string
	Tensor *Tensor
}

// NamedModule pairs a sub-module with its name within its parent, such as
// "conv1" or "0".
type NamedModule struct {
	Name   string
	Module Module
}

// Module is a network layer or a composition of layers. Parameters and
// buffers are exposed by name so that state dicts load by PyTorch's dotted
// naming; the package-level functions Parameters, Buffers, SetTraining and
// ZeroGrad walk the tree.
type Module interface {
	// Forward applies the module to x. Shape errors panic with a message
	// naming the op and the shapes (see Try for turning them into errors).
	Forward(x *Tensor) *Tensor
	// Children returns the direct sub-modules in registration order.
	Children() []NamedModule
	// OwnParameters returns the module's own trainable tensors.
	OwnParameters() []Named
	// OwnBuffers returns the module's own non-trainable state (for example
	// BatchNorm running statistics), as float tensors.
	OwnBuffers() []Named
	// SetOwnTraining switches the module's own train/eval behaviour.
	SetOwnTraining(training bool)
}

// IntBufferer is implemented by modules that hold integer state, such as
// BatchNorm's num_batches_tracked counter, so that it is saved and loaded
// with the state dict.
type IntBufferer interface {
	OwnIntBuffers() []NamedInt
}

// NamedInt pairs an integer counter with its dotted name; Value points at
// the module's field so that loading writes through it.
type NamedInt struct {
	Name  string
	Value *int64
}

// Walk calls fn for m and every descendant with its dotted path ("" for m,
// then "layer1", "layer1.0", ...), parents before children.
func Walk(m Module, fn func(path string, m Module)) {
	walk("", m, fn)
}

func walk(path string, m Module, fn func(string, Module)) {
	fn(path, m)
	for _, c := range m.Children() {
		walk(join(path, c.Name), c.Module, fn)
	}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// Parameters returns every trainable tensor of m with its dotted name, in
// PyTorch's order (a module's own parameters, then its children's).
func Parameters(m Module) []Named {
	var out []Named
	Walk(m, func(path string, m Module) {
		for _, p := range m.OwnParameters() {
			out = append(out, Named{join(path, p.Name), p.Tensor})
		}
	})
	return out
}

// Buffers returns every float buffer of m (running statistics) by name.
func Buffers(m Module) []Named {
	var out []Named
	Walk(m, func(path string, m Module) {
		for _, b := range m.OwnBuffers() {
			out = append(out, Named{join(path, b.Name), b.Tensor})
		}
	})
	return out
}

// IntBuffers returns every integer buffer of m (num_batches_tracked) by name.
func IntBuffers(m Module) []NamedInt {
	var out []NamedInt
	Walk(m, func(path string, m Module) {
		if ib, ok := m.(IntBufferer); ok {
			for _, b := range ib.OwnIntBuffers() {
				out = append(out, NamedInt{join(path, b.Name), b.Value})
			}
		}
	})
	return out
}

// SetTraining switches m and all its descendants to train (true) or eval
// (false) mode, like module.train() / module.eval().
func SetTraining(m Module, training bool) {
	Walk(m, func(_ string, m Module) { m.SetOwnTraining(training) })
}

// ZeroGrad clears the accumulated gradient of every parameter of m.
func ZeroGrad(m Module) {
	for _, p := range Parameters(m) {
		p.Tensor.Grad = nil
	}
}

// Sequential applies its children in order; they are named "0", "1", ...
// as in torch.nn.Sequential.
type Sequential struct {
	Layers []Module
}

// NewSequential returns a Sequential of the given layers.
func NewSequential(layers ...Module) *Sequential { return &Sequential{Layers: layers} }

// Forward applies every layer in turn.
func (s *Sequential) Forward(x *Tensor) *Tensor {
	for _, l := range s.Layers {
		x = l.Forward(x)
	}
	return x
}

// Children names the layers "0", "1", ...
func (s *Sequential) Children() []NamedModule {
	out := make([]NamedModule, len(s.Layers))
	for i, l := range s.Layers {
		out[i] = NamedModule{itoa(i), l}
	}
	return out
}

// OwnParameters returns nothing: a Sequential has only children.
func (s *Sequential) OwnParameters() []Named { return nil }

// OwnBuffers returns nothing: a Sequential has only children.
func (s *Sequential) OwnBuffers() []Named { return nil }

// SetOwnTraining does nothing: a Sequential has no own state.
func (s *Sequential) SetOwnTraining(bool) {}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
