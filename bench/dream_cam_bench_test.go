package bench

import (
	"testing"

	"github.com/seedling-ml/seedling/cam"
	"github.com/seedling-ml/seedling/dream"
)

// BenchmarkDeepDreamStep224 measures one DeepDream step at 224x224 with
// the default regularisers: jitter, a forward pass stopped at the tap, a
// backward pass to the input, the gradient smoothing, the normalised
// update and the clipping (one octave of one step through
// dream.DreamTensor).
func BenchmarkDeepDreamStep224(b *testing.B) {
	for _, layer := range []string{"layer3", "layer4"} {
		b.Run(layer, func(b *testing.B) {
			m := benchModel(b)
			m.Eval()
			x := randomBatch(1, 224)
			cfg := dream.DefaultConfig()
			cfg.Layer, cfg.Octaves, cfg.Steps = layer, 1, 1
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := dream.DreamTensor(m, x, cfg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
		})
	}
}

// BenchmarkGradCAM224 measures one Grad-CAM call on layer4 for one image
// at 224x224: forward to the logits, backward to layer4, weighting,
// upsampling and normalisation of the map (cam.Compute).
func BenchmarkGradCAM224(b *testing.B) {
	m := benchModel(b)
	m.Eval()
	x := randomBatch(1, 224)
	opts := cam.Options{Method: cam.GradCAM, Layer: "layer4"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := cam.Compute(m, x, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/call")
}
