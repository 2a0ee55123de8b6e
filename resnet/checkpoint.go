package resnet

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/seedling-ml/seedling/nn"
)

// ImageNetMean and ImageNetStd are the per-channel normalisation of
// torchvision's ImageNet models (RGB order).
var (
	ImageNetMean = [3]float32{0.485, 0.456, 0.406}
	ImageNetStd  = [3]float32{0.229, 0.224, 0.225}
)

// Meta is what a checkpoint records besides the weights, so that a saved
// model can classify images with nothing else.
type Meta struct {
	Arch      Arch
	Classes   []string // class names in label order
	InputSize int      // square input side in pixels used in training
	Mean, Std [3]float32
	// Extra holds free-form string metadata (epoch, seed, ...).
	Extra map[string]string
}

// DefaultMeta is the metadata of torchvision-format weights, which carry
// none: classes named "0", "1", ..., input size 224, ImageNet
// normalisation.
func DefaultMeta(arch Arch, classes int) Meta {
	names := make([]string, max(classes, 0))
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	return Meta{Arch: arch, Classes: names, InputSize: 224, Mean: ImageNetMean, Std: ImageNetStd}
}

// fillDefaults replaces what a checkpoint left out (no class names, no
// input size, a zero std) by DefaultMeta's values, so that every loaded
// Meta can be used as it is.
func (m *Meta) fillDefaults(classes int) {
	def := DefaultMeta(m.Arch, classes)
	if len(m.Classes) == 0 {
		m.Classes = def.Classes
	}
	if m.InputSize <= 0 {
		m.InputSize = def.InputSize
	}
	if m.Std == ([3]float32{}) {
		m.Mean, m.Std = def.Mean, def.Std
	}
}

// Metadata keys of the checkpoint format.
const (
	metaFormat    = "seedling.format"
	metaArch      = "seedling.arch"
	metaClasses   = "seedling.classes"
	metaInputSize = "seedling.input_size"
	metaMean      = "seedling.mean"
	metaStd       = "seedling.std"
	formatVersion = "seedling-resnet-checkpoint-v1"
)

// SaveCheckpoint writes the model's state dict, meta and optional extra
// tensors (for example optimizer state, whose names must not collide with
// the model's) to a safetensors file, atomically.
func SaveCheckpoint(path string, m *ResNet, meta Meta, extra map[string]*nn.Tensor) error {
	if m == nil {
		return fmt.Errorf("resnet: checkpoint %s: nil model", path)
	}
	if len(meta.Classes) != 0 && len(meta.Classes) != m.NumClasses() {
		return fmt.Errorf("resnet: checkpoint %s: %d class names for a model with %d outputs", path, len(meta.Classes), m.NumClasses())
	}
	floats, ints := m.StateDict()
	floats = maps.Clone(floats)
	for k, v := range extra {
		if _, clash := floats[k]; clash {
			return fmt.Errorf("resnet: checkpoint %s: extra tensor %q collides with a model tensor", path, k)
		}
		floats[k] = v
	}
	classes, _ := json.Marshal(meta.Classes)
	md := map[string]string{}
	maps.Copy(md, meta.Extra)
	md[metaFormat] = formatVersion
	md[metaArch] = string(m.Arch)
	md[metaClasses] = string(classes)
	md[metaInputSize] = strconv.Itoa(meta.InputSize)
	md[metaMean] = floats3(meta.Mean)
	md[metaStd] = floats3(meta.Std)
	if err := nn.WriteSafetensors(path, floats, ints, md); err != nil {
		return fmt.Errorf("resnet: saving checkpoint: %w", err)
	}
	return nil
}

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint and returns
// the model (in eval mode), its meta and the whole file (for extra tensors
// such as optimizer state). Meta fields the file left empty take
// DefaultMeta's values.
func LoadCheckpoint(path string) (*ResNet, *Meta, *nn.Safetensors, error) {
	st, err := nn.ReadSafetensors(path)
	if err != nil {
		if isZip(path) {
			return nil, nil, nil, fmt.Errorf("resnet: %s is a PyTorch .pth file (torchvision-format weights), not a Seedling checkpoint: pass it as weights (-weights, Source.Weights)", path)
		}
		return nil, nil, nil, fmt.Errorf("resnet: reading checkpoint: %w", err)
	}
	meta, err := parseMeta(st.Metadata)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("resnet: checkpoint %s: %w", path, err)
	}
	fc, ok := st.Floats["fc.weight"]
	if !ok || fc.Dim() != 2 {
		return nil, nil, nil, fmt.Errorf("resnet: checkpoint %s: no 2-D fc.weight tensor", path)
	}
	m, err := New(meta.Arch, fc.Shape[0], 0)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("resnet: checkpoint %s: %w", path, err)
	}
	if len(meta.Classes) != 0 && len(meta.Classes) != m.NumClasses() {
		return nil, nil, nil, fmt.Errorf("resnet: checkpoint %s: %d class names but fc has %d outputs", path, len(meta.Classes), m.NumClasses())
	}
	// Everything that is not a model tensor (optimizer state) is ignored here.
	model := &nn.Safetensors{Floats: map[string]*nn.Tensor{}, Ints: st.Ints, Metadata: st.Metadata}
	mf, _ := m.StateDict()
	for k := range mf {
		if t, ok := st.Floats[k]; ok {
			model.Floats[k] = t
		}
	}
	if _, err := m.LoadStateDict(model, nn.LoadOptions{}); err != nil {
		return nil, nil, nil, fmt.Errorf("resnet: checkpoint %s: %w", path, err)
	}
	m.Eval()
	meta.fillDefaults(m.NumClasses())
	return m, meta, st, nil
}

func parseMeta(md map[string]string) (*Meta, error) {
	if md[metaFormat] != formatVersion {
		return nil, fmt.Errorf("not a seedling checkpoint (metadata %q is %q, want %q); for torchvision weights use ReadWeights", metaFormat, md[metaFormat], formatVersion)
	}
	meta := &Meta{Arch: Arch(md[metaArch]), Extra: map[string]string{}}
	if err := json.Unmarshal([]byte(md[metaClasses]), &meta.Classes); err != nil {
		return nil, fmt.Errorf("bad %s: %w", metaClasses, err)
	}
	n, err := strconv.Atoi(md[metaInputSize])
	if err != nil {
		return nil, fmt.Errorf("bad %s %q", metaInputSize, md[metaInputSize])
	}
	meta.InputSize = n
	if meta.Mean, err = parseFloats3(md[metaMean]); err != nil {
		return nil, fmt.Errorf("bad %s: %w", metaMean, err)
	}
	if meta.Std, err = parseFloats3(md[metaStd]); err != nil {
		return nil, fmt.Errorf("bad %s: %w", metaStd, err)
	}
	for k, v := range md {
		if !strings.HasPrefix(k, "seedling.") {
			meta.Extra[k] = v
		}
	}
	return meta, nil
}

func floats3(v [3]float32) string {
	return fmt.Sprintf("%g,%g,%g", v[0], v[1], v[2])
}

func parseFloats3(s string) ([3]float32, error) {
	var out [3]float32
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return out, fmt.Errorf("want 3 comma-separated numbers, got %q", s)
	}
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 32)
		if err != nil {
			return out, fmt.Errorf("%q: %w", s, err)
		}
		out[i] = float32(v)
	}
	return out, nil
}
