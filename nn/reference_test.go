package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/internal/numcheck"
	"github.com/seedling-ml/seedling/internal/shared"
)

// opTolerance is the reference README's bound for single ops and mininet.
const opTolerance = 1e-5

type refCase struct {
	Op           string `json:"op"`
	Stride       []int  `json:"stride"`
	Padding      []int  `json:"padding"`
	Dilation     []int  `json:"dilation"`
	Groups       int    `json:"groups"`
	KernelSize   []int  `json:"kernel_size"`
	CeilMode     bool   `json:"ceil_mode"`
	Training     bool   `json:"training"`
	Eps          float64
	Momentum     float64
	Size         []int    `json:"size"`
	OutputSize   []int    `json:"output_size"`
	Grads        []string `json:"grads"`
	Params       []string `json:"params"`
	Bias         bool     `json:"bias"`
	AlignCorners *bool    `json:"align_corners"`
}

func loadOps(t *testing.T) (*Safetensors, []string, map[string]refCase) {
	t.Helper()
	st, err := ReadSafetensors(shared.Path(t, "reference/ops.safetensors"))
	require.NoError(t, err)
	var names []string
	require.NoError(t, json.Unmarshal([]byte(st.Metadata["cases"]), &names))
	cases := map[string]refCase{}
	for _, n := range names {
		var c refCase
		require.NoError(t, json.Unmarshal([]byte(st.Metadata[n]), &c), n)
		cases[n] = c
	}
	return st, names, cases
}

// worst records the largest rel. L2 error per op family, printed at the end.
type worst map[string]float64

func (w worst) check(t *testing.T, family, what string, got *Tensor, want *Tensor) {
	t.Helper()
	require.NotNil(t, want, what)
	require.Equal(t, want.Shape, got.Shape, "%s: shape", what)
	e := numcheck.RelL2(got.Data, want.Data)
	if old, ok := w[family]; !ok || e > old {
		w[family] = e
	}
	assert.LessOrEqual(t, e, opTolerance, "%s: rel. L2 error", what)
}

func TestReferenceOps(t *testing.T) {
	st, names, cases := loadOps(t)
	errs := worst{}
	f := func(c, role string) *Tensor { return st.Floats[c+"/"+role] }
	ints := func(c, role string) []int {
		it := st.Ints[c+"/"+role]
		require.NotNil(t, it, c+"/"+role)
		out := make([]int, len(it.Data))
		for i, v := range it.Data {
			out[i] = int(v)
		}
		return out
	}
	ran := 0
	for _, name := range names {
		rc := cases[name]
		if rc.Op == "sgd" || rc.Op == "adam" || rc.Op == "adamw" {
			continue // optimizer cases are tested in package optim
		}
		t.Run(name, func(t *testing.T) {
			leaf := func(role string) *Tensor {
				v := f(name, role)
				if v == nil {
					return nil
				}
				return v.Clone().RequiresGrad()
			}
			var y *Tensor
			var inputs map[string]*Tensor
			family := rc.Op
			switch rc.Op {
			case "conv2d":
				x, w, b := leaf("x"), leaf("w"), leaf("b")
				inputs = map[string]*Tensor{"gx": x, "gw": w, "gb": b}
				y = Conv2d(x, w, b, ConvConfig{rc.Stride[0], rc.Stride[1], rc.Padding[0], rc.Padding[1], rc.Dilation[0], rc.Dilation[1], rc.Groups})
			case "batch_norm2d":
				x, w, b := leaf("x"), leaf("w"), leaf("b")
				inputs = map[string]*Tensor{"gx": x, "gw": w, "gb": b}
				rm, rv := f(name, "running_mean_in").Clone(), f(name, "running_var_in").Clone()
				y = BatchNorm2d(x, w, b, rm, rv, BatchNormConfig{Training: rc.Training, Momentum: rc.Momentum, Eps: rc.Eps})
				if rc.Training {
					errs.check(t, family, "running_mean", rm, f(name, "running_mean_out"))
					errs.check(t, family, "running_var", rv, f(name, "running_var_out"))
				} else {
					assert.Equal(t, f(name, "running_mean_in").Data, rm.Data, "eval must not change running stats")
				}
			case "relu":
				x := leaf("x")
				inputs = map[string]*Tensor{"gx": x}
				y = ReLU(x)
			case "max_pool2d":
				x := leaf("x")
				inputs = map[string]*Tensor{"gx": x}
				var idx []int32
				y, idx = MaxPool2dIndices(x, PoolConfig{Kernel: rc.KernelSize[0], Stride: rc.Stride[0], Pad: rc.Padding[0], CeilMode: rc.CeilMode})
				want := ints(name, "idx")
				got := make([]int, len(idx))
				for i, v := range idx {
					got[i] = int(v)
				}
				assert.Equal(t, want, got, "winner indices")
			case "adaptive_avg_pool2d":
				x := leaf("x")
				inputs = map[string]*Tensor{"gx": x}
				y = AdaptiveAvgPool2d(x, rc.OutputSize[0], rc.OutputSize[1])
			case "linear":
				x, w, b := leaf("x"), leaf("w"), leaf("b")
				inputs = map[string]*Tensor{"gx": x, "gw": w, "gb": b}
				y = Linear(x, w, b)
			case "cross_entropy":
				x := leaf("x")
				inputs = map[string]*Tensor{"gx": x}
				y = CrossEntropy(x, ints(name, "target"), CrossEntropyConfig{})
			case "log_softmax":
				x := leaf("x")
				inputs = map[string]*Tensor{"gx": x}
				y = LogSoftmax(x)
			case "add":
				a, b := leaf("a"), leaf("b")
				inputs = map[string]*Tensor{"ga": a, "gb": b}
				y = Add(a, b)
			case "upsample_bilinear2d":
				x := leaf("x")
				inputs = map[string]*Tensor{"gx": x}
				y = ResizeBilinear(x, rc.Size[0], rc.Size[1])
			case "mininet":
				runMininet(t, st, name, rc, errs)
				ran++
				return
			default:
				t.Fatalf("unknown op %q in reference file", rc.Op)
			}
			ran++
			errs.check(t, family, "y", y, f(name, "y"))
			y.BackwardWith(f(name, "gy"))
			require.NotEmpty(t, rc.Grads)
			for _, g := range rc.Grads {
				in := inputs[g]
				require.NotNil(t, in, "input for %s", g)
				require.NotNil(t, in.Grad, "%s not computed", g)
				errs.check(t, family, g, in.Grad, f(name, g))
			}
		})
	}
	require.Greater(t, ran, 30, "too few reference cases ran")
	families := make([]string, 0, len(errs))
	for k := range errs {
		families = append(families, k)
	}
	sort.Strings(families)
	for _, k := range families {
		t.Logf("largest rel. L2 error %-20s %.2e", k, errs[k])
	}
}

// runMininet rebuilds the README's composite graph (x used twice).
func runMininet(t *testing.T, st *Safetensors, name string, rc refCase, errs worst) {
	p := map[string]*Tensor{}
	for _, k := range rc.Params {
		p[k] = st.Floats[name+"/"+k].Clone().RequiresGrad()
	}
	x := st.Floats[name+"/x"].Clone().RequiresGrad()
	it := st.Ints[name+"/target"]
	target := []int{int(it.Data[0]), int(it.Data[1])}
	bn := BatchNormConfig{Training: true, Momentum: 0.1, Eps: 1e-5}
	c1 := ConvConfig{PadH: 1, PadW: 1}
	h := Conv2d(x, p["conv1.weight"], nil, c1)
	h = ReLU(BatchNorm2d(h, p["bn1.weight"], p["bn1.bias"], nil, nil, bn))
	h = Conv2d(h, p["conv2.weight"], nil, c1)
	h = BatchNorm2d(h, p["bn2.weight"], p["bn2.bias"], nil, nil, bn)
	sc := Conv2d(x, p["shortcut.weight"], nil, ConvConfig{})
	h = ReLU(Add(h, sc))
	h = Flatten(AdaptiveAvgPool2d(MaxPool2d(h, PoolConfig{Kernel: 3, Stride: 2, Pad: 1}), 1, 1))
	logits := Linear(h, p["fc.weight"], p["fc.bias"])
	loss := CrossEntropy(logits, target, CrossEntropyConfig{})
	errs.check(t, "mininet", "logits", logits, st.Floats[name+"/logits"])
	errs.check(t, "mininet", "loss", loss, st.Floats[name+"/loss"])
	loss.Backward()
	errs.check(t, "mininet", "gx", x.Grad, st.Floats[name+"/gx"])
	for _, k := range rc.Params {
		errs.check(t, "mininet", fmt.Sprintf("grad/%s", k), p[k].Grad, st.Floats[name+"/grad/"+k])
	}
	assert.False(t, math.IsNaN(float64(loss.Item())))
}
