package optim

import (
	"fmt"
	"strconv"

	"github.com/seedling-ml/seedling/nn"
)

// adamGroupJSON is one group as saved in the MetaGroups metadata.
type adamGroupJSON struct {
	Name        string     `json:"name"`
	Params      []string   `json:"params"`
	LR          float64    `json:"lr"`
	InitialLR   float64    `json:"initial_lr"`
	Betas       [2]float64 `json:"betas"`
	Eps         float64    `json:"eps"`
	WeightDecay float64    `json:"weight_decay"`
	AMSGrad     bool       `json:"amsgrad"`
}

// State returns the moment estimates as optim.<param>.exp_avg,
// optim.<param>.exp_avg_sq and, with AMSGrad, optim.<param>.max_exp_avg_sq
// (copies), and metadata with the type ("adam" or "adamw"), the step count,
// the groups' hyper-parameters and each parameter's own step count as
// optim.<param>.step.
func (o *Adam) State() (map[string]*nn.Tensor, map[string]string) {
	tensors := map[string]*nn.Tensor{}
	saved := make([]adamGroupJSON, len(o.params))
	stepMeta := map[string]string{}
	for gi, ps := range o.params {
		c := o.cfg[gi]
		saved[gi] = adamGroupJSON{Name: o.names[gi], LR: c.LR, InitialLR: o.initialLR[gi], Betas: [2]float64{c.Beta1, c.Beta2},
			Eps: c.Eps, WeightDecay: c.WeightDecay, AMSGrad: c.AMSGrad, Params: []string{}}
		for _, p := range ps {
			saved[gi].Params = append(saved[gi].Params, p.Name)
			s, ok := o.state[p.Name]
			if !ok {
				continue
			}
			tensors[StateName(p.Name, bufExpAvg)] = savedTensor(p.Tensor, s.expAvg)
			tensors[StateName(p.Name, bufExpAvgSq)] = savedTensor(p.Tensor, s.expAvgSq)
			if s.maxSqAvg != nil {
				tensors[StateName(p.Name, bufMaxSq)] = savedTensor(p.Tensor, s.maxSqAvg)
			}
			stepMeta[statePrefix+p.Name+stepSuffix] = strconv.FormatInt(s.step, 10)
		}
	}
	meta := commonMeta(o.Kind(), o.steps, saved)
	for k, v := range stepMeta {
		meta[k] = v
	}
	return tensors, meta
}

// LoadState restores a state written by (*Adam).State of the same kind
// (Adam or AdamW); see Optimizer.LoadState. Every parameter with state must
// have exp_avg, exp_avg_sq and a step count, and max_exp_avg_sq when its
// group uses AMSGrad.
func (o *Adam) LoadState(tensors map[string]*nn.Tensor, meta map[string]string) error {
	fail := func(err error) error { return fmt.Errorf("optim: %s.LoadState: %w", o.display(), err) }
	var saved []adamGroupJSON
	steps, err := readCommonMeta(o.Kind(), meta, &saved)
	if err != nil {
		return fail(err)
	}
	names := make([][]string, len(saved))
	cfg := make([]AdamConfig, len(saved))
	initial := make([]float64, len(saved))
	for gi, s := range saved {
		names[gi] = s.Params
		cfg[gi] = AdamConfig{LR: s.LR, Beta1: s.Betas[0], Beta2: s.Betas[1], Eps: s.Eps, WeightDecay: s.WeightDecay, AMSGrad: s.AMSGrad}
		initial[gi] = s.InitialLR
		if err := cfg[gi].validate(); err != nil {
			return fail(fmt.Errorf("saved group %d: %w", gi, err))
		}
	}
	if err := o.checkGroupParams(names); err != nil {
		return fail(err)
	}
	bufs, err := o.readBuffers(tensors, bufExpAvg, bufExpAvgSq, bufMaxSq)
	if err != nil {
		return fail(err)
	}
	paramSteps, err := o.readParamSteps(meta)
	if err != nil {
		return fail(err)
	}
	state := map[string]*adamState{}
	for gi, ps := range o.params {
		for _, p := range ps {
			b, step := bufs[p.Name], paramSteps[p.Name]
			if b == nil && step == 0 {
				continue // no state yet: the parameter never had a gradient
			}
			s := &adamState{step: step, expAvg: b[bufExpAvg], expAvgSq: b[bufExpAvgSq], maxSqAvg: b[bufMaxSq]}
			switch {
			case step == 0:
				return fail(fmt.Errorf("parameter %q has state tensors but no step count %q", p.Name, statePrefix+p.Name+stepSuffix))
			case s.expAvg == nil:
				return fail(fmt.Errorf("parameter %q: missing tensor %q", p.Name, StateName(p.Name, bufExpAvg)))
			case s.expAvgSq == nil:
				return fail(fmt.Errorf("parameter %q: missing tensor %q", p.Name, StateName(p.Name, bufExpAvgSq)))
			case cfg[gi].AMSGrad && s.maxSqAvg == nil:
				return fail(fmt.Errorf("parameter %q: %s uses AMSGrad but tensor %q is missing", p.Name, groupLabel(gi, o.names[gi]), StateName(p.Name, bufMaxSq)))
			}
			state[p.Name] = s
		}
	}
	o.state, o.cfg, o.initialLR, o.steps = state, cfg, initial, steps
	return nil
}
