// Package resnet builds torchvision's ResNet18, ResNet34 and ResNet50 from
// package nn, loads their weights by torchvision name, and looks inside
// them: the output of any named module (a tap) and the gradient of an
// objective on a tap with respect to the input image.
//
// # Models and names
//
// New (or ResNet18, ResNet34, ResNet50) builds a network for any number of
// classes. Every parameter and buffer has its torchvision state_dict name
// ("conv1.weight", "layer2.0.downsample.1.running_var", "fc.bias"), and the
// same dotted names are the tap names of Run and Gradient ("layer2",
// "layer2.1", "layer2.1.conv1", "layer2.0.downsample"), plus, inside each
// unit, "shortcut" (identity or downsample output) and "add" (the sum
// before the final ReLU); TapNames lists them all. Train and Eval switch
// the BatchNorm mode; SetFreezeBN keeps running statistics while training.
//
// # Weights
//
// ReadWeights reads a state dict from a torch.save .pth file (through
// package nn/pth, which executes nothing from the file) or a safetensors
// file. LoadStateDict copies it in by name with nn.LoadOptions: strict, or
// a report of missing, unexpected and mismatched keys; a "module." prefix
// is stripped; num_batches_tracked may be absent; Exclude: []string{"fc."}
// keeps a fresh head for fine-tuning ImageNet weights on other classes.
// SaveCheckpoint and LoadCheckpoint keep the weights with the architecture,
// class names, input size and normalisation in one safetensors file, and
// Load opens either kind from a Source.
//
// # Errors
//
// Bad files, unknown tap names, wrong input shapes and mismatched state
// dicts are returned as errors naming the file, tap or tensor; nothing in
// this package panics on bad input.
//
// # Example
//
//	m, _ := resnet.New(resnet.ResNet18Arch, 12, 1)
//	sd, err := resnet.ReadWeights("resnet18_imagenet.pth")
//	if err != nil { ... }
//	rep, err := m.LoadStateDict(sd, nn.LoadOptions{Exclude: []string{"fc."}})
//	m.Eval()
//	out, err := m.Run(x, []string{"layer2.1.add", "layer3"}, false)
//	// out.Logits [N,12]; out.Taps["layer3"] [N,256,H/16,W/16]
//	g, err := m.Gradient(x, resnet.GradRequest{Tap: "layer3", Objective: resnet.MeanObjective()})
//	// g.Input: d mean(layer3) / d x, the shape of x
package resnet
