package cam

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/internal/numcheck"
	"github.com/seedling-ml/seedling/internal/shared"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// Bounds of the reference README: cam/* is a forward quantity, gradcam*
// goes through the backward pass.
const (
	camTol     = 1e-4
	gradCAMTol = 1e-3
)

func referenceModel(t *testing.T) *resnet.ResNet {
	t.Helper()
	sd, err := nn.ReadSafetensors(shared.Path(t, "reference/resnet18_seedlings.safetensors"))
	require.NoError(t, err)
	m, err := resnet.ResNet18(12)
	require.NoError(t, err)
	_, err = m.LoadStateDict(sd, nn.LoadOptions{})
	require.NoError(t, err)
	m.Eval()
	return m
}

// TestParityWithPyTorch compares CAM and Grad-CAM (layer4 and layer3) on
// the reference batch with the tensors PyTorch stored, and logs the
// relative L2 error of each.
func TestParityWithPyTorch(t *testing.T) {
	m := referenceModel(t)
	io, err := nn.ReadSafetensors(shared.Path(t, "reference/resnet18_io.safetensors"))
	require.NoError(t, err)
	x := io.Floats["x"]
	require.NotNil(t, x)
	tgt := io.Ints["target"]
	require.NotNil(t, tgt)
	targets := make([]int, len(tgt.Data))
	for i, v := range tgt.Data {
		targets[i] = int(v)
	}
	require.Equal(t, []int{3, 7}, targets)

	errs := map[string]float64{}
	check := func(name string, got *nn.Tensor, tol float64) {
		t.Helper()
		want := io.Floats[name]
		require.NotNil(t, want, name)
		require.NotNil(t, got, name)
		require.Equal(t, want.Shape, got.Shape, name)
		e := numcheck.RelL2(got.Data, want.Data)
		errs[name] = e
		assert.LessOrEqual(t, e, tol, "%s rel. L2", name)
	}
	tests := []struct {
		method Method
		layer  string
		prefix string
		tol    float64
	}{
		{CAM, "layer4", "cam", camTol},
		{GradCAM, "layer4", "gradcam", gradCAMTol},
		{GradCAM, "layer3", "gradcam_layer3", gradCAMTol},
	}
	for _, tc := range tests {
		res, err := Compute(m, x, Options{Method: tc.method, Layer: tc.layer, Targets: targets})
		require.NoError(t, err, tc.prefix)
		assert.Equal(t, targets, res.Targets)
		check(tc.prefix+"/cam", res.Raw, tc.tol)
		check(tc.prefix+"/map", res.Maps, tc.tol)
		if tc.method != CAM {
			check(tc.prefix+"/weights", res.Weights, tc.tol)
		}
		if tc.prefix == "cam" {
			check("eval/logits", res.Logits, camTol)
		}
	}
	names := make([]string, 0, len(errs))
	for k := range errs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("rel. L2 %-22s %.2e", k, errs[k])
	}
}
