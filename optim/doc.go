// Package optim trains parameters: optimizers (SGD with momentum and
// Nesterov, Adam, AdamW) that update []nn.Named parameters in place from
// their Grad with PyTorch 1.13's arithmetic, parameter groups with their
// own hyper-parameters, learning-rate schedules (StepLR, warm-up + cosine,
// OneCycle), gradient clipping by global norm, and optimizer state that is
// saved with a checkpoint by parameter name and restored bit for bit.
//
// Parameters that do not require a gradient (frozen) or whose Grad is nil
// are skipped by Step, and their state is not advanced. ZeroGrad sets every
// Grad to nil (PyTorch's set_to_none=True), like nn.ZeroGrad.
//
// A fine-tuning loop, with a smaller learning rate for the pre-trained
// backbone than for the new head:
//
//	head, backbone := optim.SplitByPrefix(nn.Parameters(model), "fc.")
//	opt, err := optim.NewSGD(
//		optim.SGDGroup{Name: "backbone", Params: backbone, SGDConfig: optim.SGDConfig{LR: 1e-3, Momentum: 0.9, WeightDecay: 1e-4}},
//		optim.SGDGroup{Name: "head", Params: head, SGDConfig: optim.SGDConfig{LR: 1e-2, Momentum: 0.9, WeightDecay: 1e-4}})
//	if err != nil { ... }
//	sched := optim.NewOneCycle(epochs * stepsPerEpoch) // peak = each group's LR
//	for step := start; step < epochs*stepsPerEpoch; step++ {
//		if err := optim.Apply(opt, sched, step); err != nil { ... }
//		loss := nn.CrossEntropy(model.Forward(nn.Track(x)), targets, nn.CrossEntropyConfig{})
//		loss.Backward()
//		if _, err := optim.ClipGradNorm(opt.Params(), 5); err != nil {
//			// NaN/Inf gradient: err names the parameters; skip the step
//			opt.ZeroGrad()
//			continue
//		}
//		if err := opt.Step(); err != nil { ... }
//		opt.ZeroGrad()
//	}
//
// To checkpoint, merge the optimizer state with the model's tensors (their
// names start with "optim.", so they do not clash) and, on resume, pass the
// whole file back; LoadState ignores the other tensors:
//
//	tensors, meta := opt.State()        // optim.<param>.momentum_buffer, ...
//	for _, p := range nn.Parameters(model) { tensors[p.Name] = p.Tensor }
//	meta["step"] = strconv.Itoa(step)   // the schedule's position
//	err = nn.WriteSafetensors(path, tensors, nil, meta)
//	...
//	ck, err := nn.ReadSafetensors(path)
//	err = opt.LoadState(ck.Floats, ck.Metadata)
package optim
