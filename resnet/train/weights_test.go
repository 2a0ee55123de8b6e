package train

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/internal/shared"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

// Fine-tuning from a torchvision .pth loads every tensor but fc. With a
// frozen backbone only fc changes; with the whole network trained at a
// small batch (BNAuto freezes BatchNorm) the convolutions change but the
// BatchNorm running statistics do not.
func TestRunFromTorchvisionWeights(t *testing.T) {
	pth := shared.Path(t, "reference/resnet18_seedlings.pth")
	ref, err := resnet.ReadWeights(pth)
	require.NoError(t, err)
	data := writeSynth(t, t.TempDir(), 3, 1)
	for _, tc := range []struct {
		name   string
		freeze bool
	}{{"frozen backbone", true}, {"whole network", false}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig(data, t.TempDir())
			cfg.Weights, cfg.FreezeBackbone, cfg.Epochs = pth, tc.freeze, 1
			var log bytes.Buffer
			res, err := Run(context.Background(), cfg, &log)
			require.NoError(t, err)
			assert.Contains(t, log.String(), "(120 tensors, fc left fresh)")
			assert.Contains(t, log.String(), "BatchNorm frozen")
			assert.Equal(t, BNFrozen, res.Config.FreezeBN)
			assert.Equal(t, 0.01, res.Config.LR, "the fine-tuning default")

			got := readAll(t, filepath.Join(cfg.Out, CheckpointFile))
			assert.Equal(t, []int{3, 512}, got.Floats["fc.weight"].Shape)
			for _, name := range []string{"bn1.running_mean", "layer4.1.bn2.running_var", "layer2.0.downsample.1.running_mean"} {
				assert.Equal(t, ref.Floats[name].Data, got.Floats[name].Data, name)
			}
			for _, name := range []string{"conv1.weight", "layer3.0.conv2.weight", "layer4.1.bn2.weight"} {
				if tc.freeze {
					assert.Equal(t, ref.Floats[name].Data, got.Floats[name].Data, name)
				} else {
					assert.NotEqual(t, ref.Floats[name].Data, got.Floats[name].Data, name)
				}
			}
		})
	}
}

// Weights of another architecture are refused, naming the file.
func TestRunWrongWeights(t *testing.T) {
	pth := shared.Path(t, "reference/resnet18_seedlings.pth")
	data := writeSynth(t, t.TempDir(), 1, 1)
	cfg := tinyConfig(data, t.TempDir())
	for _, arch := range []resnet.Arch{resnet.ResNet34Arch, resnet.ResNet50Arch} {
		cfg.Weights, cfg.Arch = pth, arch
		_, err := Run(context.Background(), cfg, nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "resnet18_seedlings.pth")
		assert.Contains(t, err.Error(), "looks like resnet18 weights, not "+string(arch))
		assert.Less(t, len(err.Error()), 200, "one short line: %s", err)
		if arch == resnet.ResNet50Arch {
			var le *nn.LoadError
			assert.ErrorAs(t, err, &le, "the key-by-key report stays reachable")
		}
	}
}
