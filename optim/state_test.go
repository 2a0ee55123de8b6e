package optim

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/nn"
)

// optimizerFactories build each optimizer kind over two groups (backbone
// with a small LR, head with a larger one) of the same parameters.
var optimizerFactories = []struct {
	name string
	make func(params []nn.Named) (Optimizer, error)
}{
	{"sgd", func(ps []nn.Named) (Optimizer, error) {
		head, body := SplitByPrefix(ps, "fc.")
		return NewSGD(
			SGDGroup{Name: "backbone", Params: body, SGDConfig: SGDConfig{LR: 0.01, Momentum: 0.9, WeightDecay: 1e-4}},
			SGDGroup{Name: "head", Params: head, SGDConfig: SGDConfig{LR: 0.1, Momentum: 0.9, Dampening: 0.1}})
	}},
	{"sgd_nesterov", func(ps []nn.Named) (Optimizer, error) {
		head, body := SplitByPrefix(ps, "fc.")
		cfg := SGDConfig{LR: 0.05, Momentum: 0.9, WeightDecay: 1e-4, Nesterov: true}
		return NewSGD(SGDGroup{Params: body, SGDConfig: cfg}, SGDGroup{Params: head, SGDConfig: cfg})
	}},
	{"adam", func(ps []nn.Named) (Optimizer, error) {
		head, body := SplitByPrefix(ps, "fc.")
		bodyCfg, headCfg := DefaultAdam(1e-4), DefaultAdam(1e-3)
		bodyCfg.WeightDecay = 1e-2
		return NewAdam(AdamGroup{Name: "backbone", Params: body, AdamConfig: bodyCfg}, AdamGroup{Name: "head", Params: head, AdamConfig: headCfg})
	}},
	{"adam_amsgrad", func(ps []nn.Named) (Optimizer, error) {
		cfg := DefaultAdam(1e-3)
		cfg.AMSGrad = true
		return NewAdam(AdamGroup{Params: ps, AdamConfig: cfg})
	}},
	{"adamw", func(ps []nn.Named) (Optimizer, error) {
		head, body := SplitByPrefix(ps, "fc.")
		return NewAdamW(AdamGroup{Name: "backbone", Params: body, AdamConfig: DefaultAdamW(1e-4)}, AdamGroup{Name: "head", Params: head, AdamConfig: DefaultAdamW(1e-3)})
	}},
}

// TestResumeIsBitIdentical checks that 6 steps in one run equal 3 steps,
// a checkpoint (model weights and optimizer state through
// WriteSafetensors/ReadSafetensors), a fresh model and optimizer loaded
// from it, and 3 more steps, bit for bit. A schedule changes the LR every
// step, and fc.bias has no gradient on odd steps, so per-parameter Adam
// step counts differ.
func TestResumeIsBitIdentical(t *testing.T) {
	sched := WarmupCosine{Warmup: 2, Total: 6, StartFactor: 0.1}
	for _, f := range optimizerFactories {
		t.Run(f.name, func(t *testing.T) {
			run := func(opt Optimizer, params []nn.Named, from, to int) {
				for k := from; k < to; k++ {
					require.NoError(t, Apply(opt, sched, k))
					setGrads(params, k)
					require.NoError(t, opt.Step())
					opt.ZeroGrad()
				}
			}
			straight := testParams(7)
			opt, err := f.make(straight)
			require.NoError(t, err)
			run(opt, straight, 0, 6)

			first := testParams(7)
			opt1, err := f.make(first)
			require.NoError(t, err)
			run(opt1, first, 0, 3)
			tensors, meta := opt1.State()
			for _, p := range first {
				tensors[p.Name] = p.Tensor
			}
			path := filepath.Join(t.TempDir(), "ckpt.safetensors")
			require.NoError(t, nn.WriteSafetensors(path, tensors, nil, meta))

			ck, err := nn.ReadSafetensors(path)
			require.NoError(t, err)
			resumed := testParams(99) // different values, overwritten from the checkpoint
			for _, p := range resumed {
				copy(p.Tensor.Data, ck.Floats[p.Name].Data)
			}
			opt2, err := f.make(resumed)
			require.NoError(t, err)
			require.NoError(t, opt2.LoadState(ck.Floats, ck.Metadata))
			run(opt2, resumed, 3, 6)

			for i := range straight {
				require.Equal(t, straight[i].Tensor.Data, resumed[i].Tensor.Data, "parameter %s", straight[i].Name)
			}
			wantT, wantM := opt.State()
			gotT, gotM := opt2.State()
			assert.Equal(t, wantM, gotM)
			require.Equal(t, len(wantT), len(gotT))
			for name, w := range wantT {
				require.Contains(t, gotT, name)
				require.Equal(t, w.Data, gotT[name].Data, "state %s", name)
			}
			// The frozen parameter never moves and has no state.
			assert.Equal(t, testParams(7)[2].Tensor.Data, straight[2].Tensor.Data)
			for name := range wantT {
				assert.NotContains(t, name, "frozen")
			}
		})
	}
}

// TestStateNames checks the checkpoint names and metadata of each kind.
func TestStateNames(t *testing.T) {
	tests := []struct {
		factory int
		kind    string
		tensors []string
		meta    map[string]string
	}{
		{0, "sgd", []string{"optim.fc.bias.momentum_buffer", "optim.fc.weight.momentum_buffer",
			"optim.layer1.0.bn1.bias.momentum_buffer", "optim.layer1.0.conv1.weight.momentum_buffer"}, nil},
		{2, "adam", []string{"optim.fc.bias.exp_avg", "optim.fc.bias.exp_avg_sq", "optim.fc.weight.exp_avg", "optim.fc.weight.exp_avg_sq",
			"optim.layer1.0.bn1.bias.exp_avg", "optim.layer1.0.bn1.bias.exp_avg_sq", "optim.layer1.0.conv1.weight.exp_avg", "optim.layer1.0.conv1.weight.exp_avg_sq"},
			map[string]string{"optim.fc.bias.step": "1", "optim.fc.weight.step": "2"}},
		{3, "adam", []string{"optim.fc.bias.max_exp_avg_sq", "optim.fc.weight.max_exp_avg_sq"}, nil},
		{4, "adamw", nil, map[string]string{"optim.layer1.0.bn1.bias.step": "2"}},
	}
	for _, tc := range tests {
		f := optimizerFactories[tc.factory]
		t.Run(f.name, func(t *testing.T) {
			params := testParams(1)
			opt, err := f.make(params)
			require.NoError(t, err)
			for k := range 2 { // fc.bias gets a gradient on step 0 only
				setGrads(params, k)
				require.NoError(t, opt.Step())
			}
			tensors, meta := opt.State()
			for _, name := range tc.tensors {
				require.Contains(t, tensors, name)
			}
			assert.Equal(t, tc.kind, meta[MetaType])
			assert.Equal(t, "2", meta[MetaSteps])
			assert.Contains(t, meta[MetaGroups], `"params":[`)
			for k, v := range tc.meta {
				assert.Equal(t, v, meta[k], k)
			}
		})
	}
}

// TestLoadStateErrors checks that a bad state gives a clear error naming
// the problem and leaves the optimizer unchanged.
func TestLoadStateErrors(t *testing.T) {
	// A valid Adam state after two steps, to be corrupted by each case.
	source := func() (map[string]*nn.Tensor, map[string]string) {
		params := testParams(3)
		opt, err := optimizerFactories[2].make(params)
		require.NoError(t, err)
		for k := range 2 {
			setGrads(params, k)
			require.NoError(t, opt.Step())
		}
		return opt.State()
	}
	tests := []struct {
		name    string
		factory int // optimizer to load into
		corrupt func(tensors map[string]*nn.Tensor, meta map[string]string)
		want    string
	}{
		{"no type", 2, func(_ map[string]*nn.Tensor, m map[string]string) { delete(m, MetaType) }, `no "optim.type"`},
		{"other optimizer", 0, func(map[string]*nn.Tensor, map[string]string) {}, `state is for optimizer "adam", this optimizer is "sgd"`},
		{"adam into adamw", 4, func(map[string]*nn.Tensor, map[string]string) {}, `"adam", this optimizer is "adamw"`},
		{"group count", 3, func(map[string]*nn.Tensor, map[string]string) {}, "state has 2 parameter groups, this optimizer has 1"},
		{"bad steps", 2, func(_ map[string]*nn.Tensor, m map[string]string) { m[MetaSteps] = "x" }, `"optim.steps" = "x"`},
		{"bad groups json", 2, func(_ map[string]*nn.Tensor, m map[string]string) { m[MetaGroups] = "{" }, `"optim.groups"`},
		{"renamed param", 2, func(_ map[string]*nn.Tensor, m map[string]string) {
			m[MetaGroups] = strings.Replace(m[MetaGroups], `"fc.bias"`, `"fc.b"`, 1)
		}, `parameter 1 is "fc.b" in the state but "fc.bias"`},
		{"bad hyper-parameter", 2, func(_ map[string]*nn.Tensor, m map[string]string) {
			m[MetaGroups] = strings.Replace(m[MetaGroups], `"betas":[0.9,`, `"betas":[1.5,`, 1)
		}, "beta1 1.5 is not in [0, 1)"},
		{"unknown param", 2, func(ts map[string]*nn.Tensor, _ map[string]string) {
			ts["optim.fc2.weight.exp_avg"] = nn.New(5, 4)
		}, `tensor "optim.fc2.weight.exp_avg": no parameter "fc2.weight"`},
		{"unknown buffer", 2, func(ts map[string]*nn.Tensor, _ map[string]string) {
			ts["optim.fc.weight.momentum_buffer"] = nn.New(5, 4)
		}, `unknown buffer "momentum_buffer"`},
		{"shape", 2, func(ts map[string]*nn.Tensor, _ map[string]string) {
			ts["optim.fc.weight.exp_avg"] = nn.New(4, 5)
		}, `tensor "optim.fc.weight.exp_avg": shape [4 5] does not match parameter "fc.weight" of shape [5 4]`},
		{"missing buffer", 2, func(ts map[string]*nn.Tensor, _ map[string]string) {
			delete(ts, "optim.fc.weight.exp_avg_sq")
		}, `missing tensor "optim.fc.weight.exp_avg_sq"`},
		{"missing step", 2, func(_ map[string]*nn.Tensor, m map[string]string) { delete(m, "optim.fc.weight.step") }, `no step count "optim.fc.weight.step"`},
		{"bad param step", 2, func(_ map[string]*nn.Tensor, m map[string]string) { m["optim.fc.weight.step"] = "0" }, `"optim.fc.weight.step" = "0" is not a step count`},
		{"step of unknown param", 2, func(_ map[string]*nn.Tensor, m map[string]string) { m["optim.head.step"] = "1" }, `no parameter "head"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tensors, meta := source()
			tc.corrupt(tensors, meta)
			params := testParams(3)
			opt, err := optimizerFactories[tc.factory].make(params)
			require.NoError(t, err)
			before, beforeMeta := opt.State()
			err = opt.LoadState(tensors, meta)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			after, afterMeta := opt.State()
			assert.Equal(t, before, after, "state changed by a failed LoadState")
			assert.Equal(t, beforeMeta, afterMeta)
		})
	}
}

// TestLoadStateEmpty checks that a fresh optimizer's state (no buffers)
// loads, and that a non-optimizer checkpoint is rejected.
func TestLoadStateEmpty(t *testing.T) {
	for _, f := range optimizerFactories {
		t.Run(f.name, func(t *testing.T) {
			opt, err := f.make(testParams(5))
			require.NoError(t, err)
			tensors, meta := opt.State()
			assert.Empty(t, tensors)
			opt2, err := f.make(testParams(5))
			require.NoError(t, err)
			require.NoError(t, opt2.LoadState(tensors, meta))
			err = opt2.LoadState(map[string]*nn.Tensor{"fc.weight": nn.New(5, 4)}, map[string]string{"format": "pt"})
			require.ErrorContains(t, err, fmt.Sprintf("no %q", MetaType))
		})
	}
}
