// Package pth reads PyTorch weight files written by torch.save: the zip
// archive of PyTorch 1.6 and later, with a pickled state_dict in
// <folder>/data.pkl and one raw storage per tensor in <folder>/data/<key>.
//
// The pickle is read with github.com/nlpodyssey/gopickle, restricted to the
// few classes a state_dict needs (collections.OrderedDict,
// torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and the
// torch.*Storage types); any other class is refused with an
// *UnsupportedClassError, and nothing in the file is ever executed. Before
// the unpickler runs, every length in the pickle is checked against the
// bytes present, and every tensor's extent against its storage, so corrupt
// or hostile files give errors rather than panics or huge allocations.
//
// The result is an *nn.Safetensors, the same container nn.ReadSafetensors
// returns: float tensors of every precision converted by value to float32,
// integer and bool tensors as int64 (num_batches_tracked among them).
// A checkpoint dict holding the weights under "state_dict" or "model" is
// unwrapped; names are kept exactly as saved, "module." prefixes included.
//
// Example:
//
//	st, err := pth.Load("resnet18.pth")
//	if err != nil {
//		return err
//	}
//	w, err := st.Float("conv1.weight") // *nn.Tensor of shape [64 3 7 7]
//	if err != nil {
//		return err
//	}
//	fmt.Println(w.Shape, st.Ints["bn1.num_batches_tracked"].Data)
package pth
