package train

import (
	"fmt"
	"strings"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// buildModel returns a model for the given classes: initialised from
// cfg.Seed, then loaded from cfg.Weights without fc when weights are given.
// The returned note says what was loaded.
func buildModel(cfg Config, classes int) (*resnet.ResNet, string, error) {
	m, err := resnet.New(cfg.Arch, classes, cfg.Seed)
	if err != nil {
		return nil, "", fmt.Errorf("train: %w", err)
	}
	if cfg.Weights == "" {
		return m, "from scratch", nil
	}
	sd, err := resnet.ReadWeights(cfg.Weights)
	if err != nil {
		return nil, "", fmt.Errorf("train: %w", err)
	}
	rep, err := m.LoadStateDict(sd, nn.LoadOptions{NonStrict: true, Exclude: []string{"fc."}})
	if err != nil || len(rep.Missing) > 0 {
		if guess, ok := resnet.InferArch(sd); ok && guess != cfg.Arch {
			// The key-by-key report (err, reachable through errors.As)
			// would only repeat this at length.
			msg := fmt.Sprintf("train: %s: the file looks like %s weights, not %s", cfg.Weights, guess, cfg.Arch)
			return nil, "", &shortError{msg: msg, err: err}
		}
	}
	if err != nil {
		return nil, "", fmt.Errorf("train: loading %s: %w", cfg.Weights, err)
	}
	if len(rep.Missing) > 0 {
		return nil, "", fmt.Errorf("train: %s lacks %d tensors of %s (%s); is it the right architecture?",
			cfg.Weights, len(rep.Missing), cfg.Arch, abbreviate(rep.Missing))
	}
	note := fmt.Sprintf("from %s (%d tensors, fc left fresh)", cfg.Weights, len(rep.Loaded))
	return m, note, nil
}

// configureModel applies the freezing options: a frozen backbone stops
// the gradient of every parameter but fc's; BatchNorm follows FreezeBN.
func configureModel(m *resnet.ResNet, cfg Config) {
	for _, p := range m.Parameters() {
		p.Tensor.SetRequiresGrad(!cfg.FreezeBackbone || strings.HasPrefix(p.Name, "fc."))
	}
	m.SetFreezeBN(cfg.FreezeBN == BNFrozen)
}

// logits runs the model on a training batch with the graph recorded where
// it is needed: through the whole network normally, only through fc when
// the backbone is frozen (the backbone then runs as cheap inference).
// Shape errors come back as errors.
func logits(m *resnet.ResNet, x *nn.Tensor, frozenBackbone bool) (out *nn.Tensor, err error) {
	err = nn.Try(func() {
		if !frozenBackbone {
			out = m.Forward(nn.Track(x))
			return
		}
		out = m.FC.Forward(nn.Track(features(m, x)))
	})
	return out, err
}

// features runs the backbone (everything before fc) on x and returns the
// pooled [N, C] features.
func features(m *resnet.ResNet, x *nn.Tensor) *nn.Tensor {
	h := nn.ReLU(m.BN1.Forward(m.Conv1.Forward(x)))
	h = m.MaxPool.Forward(h)
	for _, stage := range m.Layers {
		for _, b := range stage {
			h = b.Forward(h)
		}
	}
	return nn.Flatten(nn.AdaptiveAvgPool2d(h, 1, 1))
}

func abbreviate(names []string) string {
	if len(names) > 4 {
		return strings.Join(names[:4], ", ") + fmt.Sprintf(" and %d more", len(names)-4)
	}
	return strings.Join(names, ", ")
}

// shortError is an error whose message says the point in one line while
// the detailed error stays reachable through errors.Is and errors.As.
type shortError struct {
	msg string
	err error
}

func (e *shortError) Error() string { return e.msg }
func (e *shortError) Unwrap() error { return e.err }
