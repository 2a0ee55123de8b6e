package resnet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/nn/pth"
)

// ReadWeights reads a state dict from a PyTorch .pth file (torch.save's zip
// format, a plain state_dict or one nested under "state_dict" or "model")
// or from a safetensors file. The format is recognised from the content (a
// zip archive is .pth), so misnamed files still load.
func ReadWeights(path string) (*nn.Safetensors, error) {
	magic, err := readMagic(path)
	if err != nil {
		return nil, fmt.Errorf("resnet: weights: %w", err)
	}
	if len(magic) < len(zipMagic) {
		return nil, fmt.Errorf("resnet: weights %s: too short to be a .pth or safetensors file", path)
	}
	if bytes.Equal(magic, zipMagic) {
		return pth.Load(path)
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".pth" || ext == ".pt" {
		return nil, fmt.Errorf("resnet: weights %s: not a zip archive; only torch.save's zip format (PyTorch >= 1.6) is read, re-save the file with a current PyTorch", path)
	}
	if !safetensorsStart(path) {
		return nil, fmt.Errorf("resnet: weights %s: neither a .pth (zip archive) nor a safetensors file", path)
	}
	return nn.ReadSafetensors(path)
}

// safetensorsStart reports whether the file at path starts as every
// safetensors file does: an 8-byte header length, then the JSON header's
// opening brace.
func safetensorsStart(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [9]byte
	_, err = io.ReadFull(f, head[:])
	return err == nil && head[8] == '{'
}

// zipMagic starts every zip archive, and so every .pth file that
// torch.save writes (PyTorch >= 1.6).
var zipMagic = []byte("PK\x03\x04")

// readMagic returns the first bytes of the file at path, up to
// len(zipMagic) of them (fewer when the file is shorter).
func readMagic(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	magic := make([]byte, len(zipMagic))
	n, err := io.ReadFull(f, magic)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return magic[:n], nil
}

// isZip reports whether the file at path starts like a zip archive (a
// .pth file), false when it cannot be read.
func isZip(path string) bool {
	magic, err := readMagic(path)
	return err == nil && bytes.Equal(magic, zipMagic)
}

// Source says where a program takes its model from: either our own
// checkpoint (Model) or torchvision-format weights (Weights with Arch and
// Classes). Example programs fill it from -model or -weights/-arch/-classes.
type Source struct {
	Model   string // our checkpoint (safetensors with metadata)
	Weights string // torchvision state dict (.pth or safetensors)
	Arch    Arch   // architecture of Weights ("" infers it from the names, see InferArch); with Model, it must match the checkpoint's
	Classes int    // number of outputs of Weights' fc; 0 means read it from the file
}

// Load builds the model described by s and returns it in eval mode with
// its metadata (for torchvision weights: ImageNet normalisation, input size
// 224, classes named "0", "1", ...).
func Load(s Source) (*ResNet, *Meta, error) {
	switch {
	case s.Model != "" && s.Weights != "":
		return nil, nil, fmt.Errorf("resnet: give either a checkpoint (%s) or torchvision weights (%s), not both", s.Model, s.Weights)
	case s.Arch != "" && !knownArch(s.Arch):
		return nil, nil, fmt.Errorf("resnet: unknown architecture %q (want one of %v)", s.Arch, Archs())
	case s.Model != "":
		m, meta, _, err := LoadCheckpoint(s.Model)
		if err == nil && s.Arch != "" && s.Arch != meta.Arch {
			return nil, nil, fmt.Errorf("resnet: %s holds a %s, not the %s asked for", s.Model, meta.Arch, s.Arch)
		}
		return m, meta, err
	case s.Weights == "":
		return nil, nil, fmt.Errorf("resnet: no model given: pass a checkpoint or torchvision weights")
	}
	sd, err := ReadWeights(s.Weights)
	if err != nil {
		return nil, nil, err
	}
	if sd.Metadata[metaFormat] == formatVersion {
		return nil, nil, fmt.Errorf("resnet: %s is a Seedling checkpoint (written by finetune), not torchvision weights: pass it as the model (-model, Source.Model)", s.Weights)
	}
	guess, guessed := InferArch(sd)
	arch := s.Arch
	if arch == "" {
		arch = ResNet18Arch
		if guessed {
			arch = guess
		}
	}
	classes := s.Classes
	if classes == 0 {
		fc, ok := sd.Floats["fc.weight"]
		if !ok {
			fc, ok = sd.Floats["module.fc.weight"]
		}
		if !ok || fc.Dim() != 2 {
			return nil, nil, fmt.Errorf("resnet: weights %s: no fc.weight to take the number of classes from; give it explicitly", s.Weights)
		}
		classes = fc.Shape[0]
	}
	m, err := New(arch, classes, 0)
	if err != nil {
		return nil, nil, err
	}
	if _, err := m.LoadStateDict(sd, nn.LoadOptions{}); err != nil {
		if e := ArchMismatch(s.Weights, sd, arch, err); e != nil {
			return nil, nil, e
		}
		return nil, nil, fmt.Errorf("%s: %w", s.Weights, err)
	}
	m.Eval()
	meta := DefaultMeta(arch, classes)
	return m, &meta, nil
}

// InferArch guesses which of Archs a torchvision state dict belongs to from
// its names alone (a "module." prefix is allowed): Bottleneck units have a
// conv3, and ResNet18 has two units in layer3 where ResNet34 and ResNet50
// have six. It reports false when the names fit none of them.
func InferArch(sd *nn.Safetensors) (Arch, bool) {
	units := map[int]bool{}
	bottleneck := false
	for _, name := range sd.Names() {
		name = strings.TrimPrefix(name, "module.")
		rest, ok := strings.CutPrefix(name, "layer3.")
		if !ok {
			continue
		}
		idx, field, ok := strings.Cut(rest, ".")
		n, err := strconv.Atoi(idx)
		if !ok || err != nil || n < 0 {
			continue
		}
		units[n] = true
		if strings.HasPrefix(field, "conv3.") {
			bottleneck = true
		}
	}
	for _, a := range Archs() {
		spec := specs[a]
		if spec.bottleneck != bottleneck || len(units) != spec.layers[2] {
			continue
		}
		for i := 0; i < spec.layers[2]; i++ {
			if !units[i] {
				return "", false
			}
		}
		return a, true
	}
	return "", false
}

// ArchMismatch returns, when the tensor names of the weights sd (read
// from file) point to another architecture than arch, a one-line error
// that says so and wraps err, the failed load's error (nil when the load
// only left keys missing): the key-by-key *nn.LoadError stays reachable
// through errors.As. Otherwise it returns nil.
func ArchMismatch(file string, sd *nn.Safetensors, arch Arch, err error) error {
	if guess, ok := InferArch(sd); ok && guess != arch {
		return &archMismatchError{file: file, guess: guess, arch: arch, err: err}
	}
	return nil
}

// archMismatchError is a load that failed because the weights are of
// another architecture than the one asked for. It says so in one short
// line; the key-by-key report stays reachable through errors.As (an
// *nn.LoadError), since it runs to two dozen lines of names that only
// repeat the point.
type archMismatchError struct {
	file        string
	guess, arch Arch
	err         error
}

// Error names the file, the architecture its names point to and the one
// asked for, with the counts of the load's report when there is one.
func (e *archMismatchError) Error() string {
	msg := fmt.Sprintf("%s: the file looks like %s weights, not %s", e.file, e.guess, e.arch)
	var le *nn.LoadError
	if errors.As(e.err, &le) && le.Report != nil {
		r := le.Report
		msg += fmt.Sprintf(" (%d tensors of other shapes, %d missing, %d unexpected)", len(r.Mismatched), len(r.Missing), len(r.Unexpected))
	}
	return msg
}

// Unwrap returns the load's error.
func (e *archMismatchError) Unwrap() error { return e.err }

// knownArch reports whether New builds a.
func knownArch(a Arch) bool {
	_, ok := specs[a]
	return ok
}
