// Package nn is Seedling's foundation: a float32 tensor, reverse-mode
// automatic differentiation, the operations of convolutional networks
// (Conv2d, BatchNorm2d, ReLU, MaxPool2d, AdaptiveAvgPool2d, Linear, Add,
// LogSoftmax/Softmax, CrossEntropy, Dropout, bilinear resize), modules
// named as in PyTorch, and safetensors I/O.
//
// # Tensors
//
// A Tensor is a shape and a plain []float32 in row-major order (NCHW for
// images). Tensor.Matrix views it as a gonum blas32.General without copying.
// Every matrix product goes through gonum's blas32 package, so the installed
// implementation (Seedling's fast SGEMM by default, or any other set with
// blas32.Use) serves all ops.
//
// # Autograd
//
// Each op is a function (for example Conv2d(x, w, b, cfg)) that computes its
// output and, when one of its inputs is tracked, records itself on a graph.
// Recording follows the data, not a global switch:
//
//   - An untracked input runs in no-grad mode: nothing is recorded, even
//     though parameters require gradients. This is inference, safe from many
//     goroutines at once.
//   - Track(x) records the graph without asking for x's gradient: use it for
//     a training step, then loss.Backward() accumulates into every
//     parameter's Grad (a tensor used twice receives the sum).
//   - x.RequiresGrad() also asks for x's gradient. Grad(y, gy, wrt...)
//     returns gradients with respect to any tensors (inputs or intermediate
//     activations) without touching or computing parameter gradients, as
//     torch.autograd.grad: DeepDream and CAM stand on it.
//
// A backward pass keeps the buffers of its intermediate gradients for the
// next pass (at most 384 MB, for training steps that repeat the same
// shapes); ReleaseGradientBuffers gives that memory back.
//
// # Errors
//
// Errors are returned at I/O and user-input boundaries (files, labels,
// weights) as wrapped errors that name the file, tensor or argument. Inside
// a graph, a programmer error such as a shape mismatch panics with a
// message that names the op and the shapes, as gonum does; Try turns such a
// panic back into an error at an API boundary (the resnet package does this
// so that its public methods never panic on bad input).
//
// # Example
//
//	x := nn.Track(nn.FromData(pixels, 1, 3, 32, 32))
//	conv := nn.NewConv2dLayer(3, 8, 3, nn.Conv2dOptions(1, 1, 1, 1), true, rng)
//	logits := nn.Linear(nn.Flatten(nn.AdaptiveAvgPool2d(nn.ReLU(conv.Forward(x)), 1, 1)), w, b)
//	loss := nn.CrossEntropy(logits, []int{3}, nn.CrossEntropyConfig{})
//	loss.Backward() // conv.Weight.Grad, w.Grad, b.Grad are now set
package nn
