// Package dream makes a network's features visible: DeepDream on a photo,
// channel visualisation from noise, and the feature maps inside a residual
// unit.
//
// Dream runs gradient ascent on the input of a model (anything with
// resnet's Gradient method) to maximise the mean, or the mean square, of a
// tap's output ("layer3", "layer2.1.bn2", ...), of one channel or of a set
// of channels. Each step adds LR * g / (mean|g| + Eps) to the normalised
// image (a zero gradient leaves the image unchanged and is reported; a NaN
// is an error), after a random circular shift (jitter), a Gaussian
// smoothing of the gradient and (Config.Decorrelate) its preconditioning
// by natural-image colour correlations, and clips to the valid pixel range
// of the un-normalised image. The image
// is processed over an octave pyramid, smallest first, the dreamed detail
// re-injected at the exact stored size of each larger octave; octaves
// larger than Config.TileSize are processed in tiles. A run is
// deterministic for Config.Seed. DefaultConfig gives good pictures on the
// stage outputs of ResNet18 at 224 px.
//
// Channel and ChannelTiles dream from noise instead, one channel at a
// time, to show what each channel of a stage responds to; Neuron does the
// same for one neuron, one channel at a single position of the tap (the
// centre by default; see Config.Neuron). UnitFeatures
// draws the input, the mainstream (first conv after BN and ReLU, second
// conv after BN), the shortcut and the output of one residual unit as grids
// of channels.
//
// Example: the stage 2, 3 and 4 figure of a photo.
//
//	m, _, err := resnet.Load(resnet.Source{Weights: "resnet18_seedlings.pth", Arch: resnet.ResNet18Arch, Classes: 12})
//	if err != nil { ... }
//	img, err := dataset.DecodeFile("leaf.png", dataset.DecodeOptions{})
//	if err != nil { ... }
//	panels, captions := []image.Image{img}, []string{"original"}
//	for _, layer := range []string{"layer2", "layer3", "layer4"} {
//		cfg := dream.DefaultConfig()
//		cfg.Layer = layer
//		res, err := dream.Dream(m, img, cfg)
//		if err != nil { ... }
//		panels, captions = append(panels, res.Image), append(captions, layer)
//	}
//	err = dataset.SavePNG("dream.png", dream.Figure(panels, captions))
package dream
