package optim

import (
	"fmt"

	"github.com/seedling-ml/seedling/nn"
)

// sgdGroupJSON is one group as saved in the MetaGroups metadata.
type sgdGroupJSON struct {
	Name        string   `json:"name"`
	Params      []string `json:"params"`
	LR          float64  `json:"lr"`
	InitialLR   float64  `json:"initial_lr"`
	Momentum    float64  `json:"momentum"`
	Dampening   float64  `json:"dampening"`
	WeightDecay float64  `json:"weight_decay"`
	Nesterov    bool     `json:"nesterov"`
}

// State returns the momentum buffers as optim.<param>.momentum_buffer
// (copies) and metadata with the type "sgd", the step count and the groups'
// hyper-parameters.
func (o *SGD) State() (map[string]*nn.Tensor, map[string]string) {
	tensors := map[string]*nn.Tensor{}
	saved := make([]sgdGroupJSON, len(o.params))
	for gi, ps := range o.params {
		c := o.cfg[gi]
		saved[gi] = sgdGroupJSON{Name: o.names[gi], LR: c.LR, InitialLR: o.initialLR[gi], Momentum: c.Momentum,
			Dampening: c.Dampening, WeightDecay: c.WeightDecay, Nesterov: c.Nesterov, Params: []string{}}
		for _, p := range ps {
			saved[gi].Params = append(saved[gi].Params, p.Name)
			if buf, ok := o.buf[p.Name]; ok {
				tensors[StateName(p.Name, bufMomentum)] = savedTensor(p.Tensor, buf)
			}
		}
	}
	return tensors, commonMeta("sgd", o.steps, saved)
}

// LoadState restores a state written by (*SGD).State; see
// Optimizer.LoadState.
func (o *SGD) LoadState(tensors map[string]*nn.Tensor, meta map[string]string) error {
	var saved []sgdGroupJSON
	steps, err := readCommonMeta("sgd", meta, &saved)
	if err != nil {
		return fmt.Errorf("optim: SGD.LoadState: %w", err)
	}
	names := make([][]string, len(saved))
	cfg := make([]SGDConfig, len(saved))
	initial := make([]float64, len(saved))
	for gi, s := range saved {
		names[gi] = s.Params
		cfg[gi] = SGDConfig{LR: s.LR, Momentum: s.Momentum, Dampening: s.Dampening, WeightDecay: s.WeightDecay, Nesterov: s.Nesterov}
		initial[gi] = s.InitialLR
		if err := cfg[gi].validate(); err != nil {
			return fmt.Errorf("optim: SGD.LoadState: saved group %d: %w", gi, err)
		}
	}
	if err := o.checkGroupParams(names); err != nil {
		return fmt.Errorf("optim: SGD.LoadState: %w", err)
	}
	bufs, err := o.readBuffers(tensors, bufMomentum)
	if err != nil {
		return fmt.Errorf("optim: SGD.LoadState: %w", err)
	}
	o.buf = map[string][]float32{}
	for param, b := range bufs {
		o.buf[param] = b[bufMomentum]
	}
	o.cfg, o.initialLR, o.steps = cfg, initial, steps
	return nil
}
