// Package cam draws class activation maps: heat maps of where a ResNet
// looks when it picks a class, as pytorch-grad-cam does.
//
// # Methods
//
//   - CAM (Zhou et al. 2016): the fc weights of the target class times
//     layer4's features, summed over channels, without a ReLU.
//   - Grad-CAM: each channel of any tap weighted by the spatial mean of the
//     gradient of the target logit; sum, then ReLU.
//   - Grad-CAM++: pytorch-grad-cam's second-order weights.
//   - Score-CAM: each channel, upsampled and min-max normalised, masks the
//     input; the model's score on the masked input weights the channel.
//     The masked inputs are evaluated in chunks on a few goroutines with an
//     untracked (no-grad) input, so memory does not grow with the channel
//     count.
//   - Saliency: |d logit / d input|, the maximum over the colour channels.
//
// The target is the predicted class of each image, or one class per image
// given in Options.Targets. Every map is upsampled bilinearly
// (align_corners=false) to the input size and min-max normalised per image
// to [0,1]; a map whose range is below MinRange (a constant map,
// all-negative weights, zero gradients) is all zeros, never NaN.
// FromGradients and FromWeights do the same from activations and gradients
// computed elsewhere.
//
// CAM and Grad-CAM (layer4 and layer3) match PyTorch's reference tensors to
// a relative L2 error of about 3e-6.
//
// # Pictures and "where does it look wrong?"
//
// Overlay blends a map coloured with Jet or Turbo over the picture the
// network saw (InputImages undoes the normalisation); Gray gives the 8-bit
// map round(255*v); WithColorBar, Caption and Grid make figures.
// RankByFocus measures how much of each map's mass lies on plant pixels
// (excess green 2g-r-b > DefaultExGThreshold on chromaticity coordinates)
// and sorts samples so that those whose maps lie mostly off the plant (on
// soil, gravel, a pot edge or a label) come first.
//
// Example:
//
//	m.Eval()
//	x, _ := dataset.LoadImageTensor("Maize/115.png", 224) // [1,3,224,224]
//	res, err := cam.Compute(m, x, cam.Options{Method: cam.GradCAM, Layer: "layer4"})
//	if err != nil { ... }
//	imgs, _ := cam.InputImages(x, meta.Mean, meta.Std)
//	heat, _ := cam.Plane(res.Maps, 0)
//	over, _ := cam.Overlay(imgs[0], heat, cam.Jet, 0.5)
//	focus, _ := cam.FocusOf(imgs[0], heat, cam.DefaultExGThreshold)
//	fmt.Println(meta.Classes[res.Targets[0]], res.Probs.Data[res.Targets[0]], focus.OnPlant)
package cam
