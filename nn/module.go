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
