package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/internal/shared"
	"github.com/seedling-ml/seedling/nn"
)

// refCase is the __metadata__ JSON of an optimizer case of ops.safetensors.
type refCase struct {
	Op          string     `json:"op"`
	Params      []string   `json:"params"`
	Steps       int        `json:"steps"`
	LR          float64    `json:"lr"`
	Momentum    float64    `json:"momentum"`
	Dampening   float64    `json:"dampening"`
	Nesterov    bool       `json:"nesterov"`
	WeightDecay float64    `json:"weight_decay"`
	Betas       [2]float64 `json:"betas"`
	Eps         float64    `json:"eps"`
	AMSGrad     bool       `json:"amsgrad"`
}

// newFromCase builds the optimizer a reference case describes.
func newFromCase(c refCase, params []nn.Named) (Optimizer, error) {
	adam := AdamConfig{LR: c.LR, Beta1: c.Betas[0], Beta2: c.Betas[1], Eps: c.Eps, WeightDecay: c.WeightDecay, AMSGrad: c.AMSGrad}
	switch c.Op {
	case "sgd":
		return NewSGD(SGDGroup{Params: params, SGDConfig: SGDConfig{LR: c.LR, Momentum: c.Momentum,
			Dampening: c.Dampening, WeightDecay: c.WeightDecay, Nesterov: c.Nesterov}})
	case "adam":
		return NewAdam(AdamGroup{Params: params, AdamConfig: adam})
	case "adamw":
		return NewAdamW(AdamGroup{Params: params, AdamConfig: adam})
	}
	return nil, fmt.Errorf("unknown op %q", c.Op)
}

// relL2 returns ||got-want||_2 / ||want||_2 in float64.
func relL2(got, want []float32) float64 {
	var num, den float64
	for i := range want {
		d := float64(got[i]) - float64(want[i])
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

// TestReferenceOptimizers runs every optimizer case of ops.safetensors for
// its three steps and compares the parameters and the state buffers (read
// through State, so their checkpoint names are checked too) with PyTorch's
// within rel. L2 1e-5.
func TestReferenceOptimizers(t *testing.T) {
	st, err := nn.ReadSafetensors(shared.Path(t, "reference/ops.safetensors"))
	require.NoError(t, err)
	tests := []struct {
		name    string
		buffers []string
	}{
		{"sgd_momentum", []string{"momentum_buffer"}},
		{"sgd_nesterov", []string{"momentum_buffer"}},
		{"adam", []string{"exp_avg", "exp_avg_sq"}},
		{"adamw", []string{"exp_avg", "exp_avg_sq"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c refCase
			require.NoError(t, json.Unmarshal([]byte(st.Metadata[tc.name]), &c), "metadata of %s", tc.name)
			require.Equal(t, 3, c.Steps)
			ref := func(role string) *nn.Tensor {
				x, err := st.Float(tc.name + "/" + role)
				require.NoError(t, err)
				return x
			}
			var params []nn.Named
			for _, p := range c.Params {
				x := ref(p + ".param0").Clone()
				params = append(params, nn.Named{Name: p, Tensor: nn.NewParameter(x.Data, x.Shape...)})
			}
			opt, err := newFromCase(c, params)
			require.NoError(t, err)
			worst, worstName := 0.0, ""
			for k := 1; k <= c.Steps; k++ {
				for _, p := range params {
					p.Tensor.Grad = ref(fmt.Sprintf("%s.grad%d", p.Name, k)).Clone()
				}
				require.NoError(t, opt.Step())
				state, _ := opt.State()
				for _, p := range params {
					check := func(role string, got *nn.Tensor) {
						want := ref(fmt.Sprintf("%s.%s%d", p.Name, role, k))
						require.NotNil(t, got, "%s.%s after step %d", p.Name, role, k)
						require.Equal(t, want.Shape, got.Shape)
						e := relL2(got.Data, want.Data)
						if e > worst {
							worst, worstName = e, fmt.Sprintf("%s.%s%d", p.Name, role, k)
						}
						assert.LessOrEqual(t, e, 1e-5, "%s.%s%d rel. L2", p.Name, role, k)
					}
					check("param", p.Tensor)
					for _, b := range tc.buffers {
						check(b, state[StateName(p.Name, b)])
					}
				}
			}
			t.Logf("%s: largest rel. L2 error %.3g (%s)", tc.name, worst, worstName)
		})
	}
}
