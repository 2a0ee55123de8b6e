package cam

import (
	"fmt"
	"strings"

	"github.com/seedling-ml/seedling/nn"
)

// Method names a way to compute a heat map.
type Method string

// The methods of the package, named as on the command line.
const (
	// CAM is the classic class activation map of Zhou et al.: the fc weights
	// of the target class times layer4's features, summed over channels, with
	// no ReLU (it can be negative before normalisation).
	CAM Method = "cam"
	// GradCAM weights each channel of a tap by the spatial mean of the
	// gradient of the target logit, sums, and applies a ReLU.
	GradCAM Method = "gradcam"
	// GradCAMPlusPlus weights each channel by the sum over positions of
	// relu(grad) * alpha, alpha = g^2 / (2 g^2 + sum(A) g^3 + 1e-6) (zero
	// where g = 0), as pytorch-grad-cam's GradCAMPlusPlus; then sum and ReLU.
	GradCAMPlusPlus Method = "gradcam++"
	// ScoreCAM weights each channel by the model's score on the input masked
	// with that channel's upsampled, min-max normalised activation; then sum
	// and ReLU. See ScoreMode for how a score becomes a weight.
	ScoreCAM Method = "scorecam"
	// Saliency is |d logit / d input|, maximum over the colour channels.
	Saliency Method = "saliency"
)

// Methods lists every method, in the order of the command-line help.
func Methods() []Method { return []Method{CAM, GradCAM, GradCAMPlusPlus, ScoreCAM, Saliency} }

// ParseMethod turns a name ("gradcam", "Grad-CAM++", "scorecam", ...) into a
// Method; case, '-' and '_' are ignored.
func ParseMethod(s string) (Method, error) {
	k := strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(s))
	switch k {
	case "cam":
		return CAM, nil
	case "gradcam":
		return GradCAM, nil
	case "gradcam++", "gradcampp", "gradcamplusplus":
		return GradCAMPlusPlus, nil
	case "scorecam":
		return ScoreCAM, nil
	case "saliency", "vanillagradient", "gradient":
		return Saliency, nil
	}
	return "", fmt.Errorf("cam: unknown method %q (want one of %v)", s, Methods())
}

// ScoreMode says how Score-CAM turns the model's outputs on the masked
// inputs into channel weights.
type ScoreMode int

const (
	// ScoreLogitSoftmax is pytorch-grad-cam's ScoreCAM with its default
	// target (ClassifierOutputTarget): score_k = target logit on the input
	// masked by channel k; weights = softmax over k of the scores.
	ScoreLogitSoftmax ScoreMode = iota
	// ScoreProbability is the Score-CAM paper's form: score_k = softmax
	// probability of the target class on the input masked by channel k;
	// weights = scores.
	ScoreProbability
)

// Options configures Compute. The zero value asks for Grad-CAM on layer4
// of the predicted class.
type Options struct {
	// Method defaults to GradCAM.
	Method Method
	// Layer is the tap whose activations are weighted (see
	// resnet.ResNet.TapNames); default "layer4". CAM needs the output of
	// the last stage (the features fc sees); Saliency ignores it.
	Layer string
	// Targets holds one class per image of the batch; nil means the
	// predicted class of each image. One value is used for every image.
	Targets []int
	// ScoreMode selects the Score-CAM weighting (default ScoreLogitSoftmax).
	ScoreMode ScoreMode
	// ScoreBatch is the number of masked inputs Score-CAM evaluates at once
	// per goroutine (default 16, as pytorch-grad-cam). Memory grows with
	// ScoreBatch * Workers, never with the channel count.
	ScoreBatch int
	// Workers is the number of goroutines Score-CAM uses (default 2).
	Workers int
	// Progress, when set, is called by Score-CAM after each chunk with the
	// number of masked inputs evaluated so far and the total (N*K). Calls
	// come from several goroutines, one at a time.
	Progress func(done, total int)
}

func (o Options) withDefaults() Options {
	if o.Method == "" {
		o.Method = GradCAM
	}
	if o.Layer == "" {
		o.Layer = "layer4"
	}
	if o.ScoreBatch <= 0 {
		o.ScoreBatch = 16
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	return o
}

// Result holds heat maps for a batch of images.
type Result struct {
	// Method and Layer are the ones used (Layer is "input" for Saliency).
	Method Method
	Layer  string
	// Maps are the heat maps [N,H,W] at the input size, each min-max
	// normalised to [0,1] on its own; a map whose range is below 1e-7 is
	// all zeros.
	Maps *nn.Tensor
	// Raw are the maps before upsampling and normalisation [N,h,w] (for
	// CAM, negative values included; for the Grad-CAM family after the
	// ReLU; for Saliency the input-size |gradient| maximum).
	Raw *nn.Tensor
	// Weights are the channel weights [N,K] (nil for Saliency).
	Weights *nn.Tensor
	// Targets are the classes explained, one per image.
	Targets []int
	// Logits [N,classes] and Probs (softmax of Logits) of the unmasked
	// input; nil when the maps came from FromGradients.
	Logits, Probs *nn.Tensor
	// Predicted is the arg-max class of each image (nil without Logits).
	Predicted []int
}
