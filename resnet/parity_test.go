package resnet

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/internal/numcheck"
	"github.com/seedling-ml/seedling/internal/shared"
	"github.com/seedling-ml/seedling/nn"
)

// Tolerances of the reference README.
const (
	forwardTol  = 1e-4
	gradientTol = 1e-3
)

// referenceModel loads resnet18_seedlings.safetensors into a ResNet18.
func referenceModel(t *testing.T) *ResNet {
	t.Helper()
	sd, err := nn.ReadSafetensors(shared.Path(t, "reference/resnet18_seedlings.safetensors"))
	require.NoError(t, err)
	m, err := ResNet18(12)
	require.NoError(t, err)
	rep, err := m.LoadStateDict(sd, nn.LoadOptions{})
	require.NoError(t, err)
	require.Len(t, rep.Loaded, 122)
	return m
}

func referenceIO(t *testing.T) *nn.Safetensors {
	t.Helper()
	io, err := nn.ReadSafetensors(shared.Path(t, "reference/resnet18_io.safetensors"))
	require.NoError(t, err)
	return io
}

type errLog map[string]float64

func (e errLog) check(t *testing.T, name string, got, want *nn.Tensor, tol float64) {
	t.Helper()
	require.NotNil(t, got, name)
	require.NotNil(t, want, name)
	require.Equal(t, want.Shape, got.Shape, name)
	err := numcheck.RelL2(got.Data, want.Data)
	e[name] = err
	assert.LessOrEqual(t, err, tol, "%s rel. L2", name)
}

func (e errLog) report(t *testing.T) {
	names := make([]string, 0, len(e))
	for k := range e {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("rel. L2 %-40s %.2e", k, e[k])
	}
}

func TestParityEval(t *testing.T) {
	m := referenceModel(t)
	io := referenceIO(t)
	m.Eval()
	errs := errLog{}
	defer errs.report(t)
	taps := map[string]string{
		"eval/conv1": "conv1", "eval/bn1_relu": "relu", "eval/maxpool": "maxpool", "eval/layer1": "layer1",
		"eval/layer2.0": "layer2.0", "eval/layer2.1": "layer2.1", "eval/layer2": "layer2",
		"eval/layer3.0": "layer3.0", "eval/layer3.1": "layer3.1", "eval/layer3": "layer3",
		"eval/layer4": "layer4", "eval/avgpool": "avgpool",
	}
	names := make([]string, 0, len(taps))
	for _, v := range taps {
		names = append(names, v)
	}
	out, err := m.Run(io.Floats["x"], names, false)
	require.NoError(t, err)
	for ref, tap := range taps {
		errs.check(t, ref, out.Taps[tap], io.Floats[ref], forwardTol)
	}
	errs.check(t, "eval/logits", out.Logits, io.Floats["eval/logits"], forwardTol)
}

func TestParityInputGradients(t *testing.T) {
	m := referenceModel(t)
	io := referenceIO(t)
	m.Eval()
	x := io.Floats["x"]
	target := []int{int(io.Ints["target"].Data[0]), int(io.Ints["target"].Data[1])}
	errs := errLog{}
	defer errs.report(t)

	res, err := m.Gradient(x, GradRequest{Tap: "fc", Objective: ClassObjective(target), GradTaps: []string{"layer4", "layer3"}})
	require.NoError(t, err)
	errs.check(t, "grad_logit/objective", nn.Scalar(res.Value), io.Floats["grad_logit/objective"], forwardTol)
	errs.check(t, "grad_logit/gx", res.Input, io.Floats["grad_logit/gx"], gradientTol)
	errs.check(t, "gradcam/layer4_grad", res.TapGrads["layer4"], io.Floats["gradcam/layer4_grad"], gradientTol)
	errs.check(t, "gradcam_layer3/layer3_grad", res.TapGrads["layer3"], io.Floats["gradcam_layer3/layer3_grad"], gradientTol)
	for _, p := range m.Parameters() {
		require.Nil(t, p.Tensor.Grad, "parameter %s got a gradient without ParamGrads", p.Name)
	}

	for _, layer := range []string{"layer3", "layer4"} {
		res, err := m.Gradient(x, GradRequest{Tap: layer, Objective: MeanObjective()})
		require.NoError(t, err)
		errs.check(t, "deepdream_"+layer+"/objective", nn.Scalar(res.Value), io.Floats["deepdream_"+layer+"/objective"], forwardTol)
		errs.check(t, "deepdream_"+layer+"/gx", res.Input, io.Floats["deepdream_"+layer+"/gx"], gradientTol)
	}
}

func TestParityTrainStep(t *testing.T) {
	m := referenceModel(t)
	io := referenceIO(t)
	m.Train()
	errs := errLog{}
	defer errs.report(t)
	it := io.Ints["train/target"]
	target := []int{int(it.Data[0]), int(it.Data[1])}
	logits := m.Forward(nn.Track(io.Floats["train/x"]))
	loss := nn.CrossEntropy(logits, target, nn.CrossEntropyConfig{})
	loss.Backward()
	errs.check(t, "train/logits", logits, io.Floats["train/logits"], forwardTol)
	errs.check(t, "train/loss", loss, io.Floats["train/loss"], forwardTol)
	params := map[string]*nn.Tensor{}
	var sumSq float64
	for _, p := range m.Parameters() {
		params[p.Name] = p.Tensor
		require.NotNil(t, p.Tensor.Grad, p.Name)
		for _, g := range p.Tensor.Grad.Data {
			sumSq += float64(g) * float64(g)
		}
	}
	require.Len(t, params, 62)
	for _, name := range []string{"conv1.weight", "bn1.weight", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight", "layer4.1.bn2.bias", "fc.weight", "fc.bias"} {
		errs.check(t, "train/grad/"+name, params[name].Grad, io.Floats["train/grad/"+name], gradientTol)
	}
	errs.check(t, "train/grad_global_l2", nn.Scalar(float32(sqrt(sumSq))), io.Floats["train/grad_global_l2"], gradientTol)
	errs.check(t, "train/bn1.running_mean", m.BN1.RunningMean, io.Floats["train/bn1.running_mean"], forwardTol)
	errs.check(t, "train/bn1.running_var", m.BN1.RunningVar, io.Floats["train/bn1.running_var"], forwardTol)
	assert.Equal(t, io.Ints["train/bn1.num_batches_tracked"].Data[0], m.BN1.NumBatchesTracked)
}
