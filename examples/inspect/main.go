// Command inspect runs a ResNet on one input and writes what it computed:
// the logits, the input tensor the model actually saw, and the outputs of
// the requested taps, to a safetensors file; it prints the top-k classes.
// It is how a user checks a Go model, and its preprocessing, against
// PyTorch on the same input.
//
//	go run ./examples/inspect -weights resnet18_seedlings.pth -classes 12 \
//	    -image leaf.png -layers layer1,layer2.1,layer4 -out acts.safetensors
//	go run ./examples/inspect -model out/model.safetensors -input x.safetensors -json
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/seedling-ml/seedling/dataset"
	"github.com/seedling-ml/seedling/examples/internal/cli"
	"github.com/seedling-ml/seedling/examples/internal/modelflags"
	"github.com/seedling-ml/seedling/examples/internal/outfile"
	"github.com/seedling-ml/seedling/nn"
	"github.com/seedling-ml/seedling/resnet"
)

func main() {
	model := modelflags.Register(flag.CommandLine)
	image := flag.String("image", "", "image file (shorter side to 256, centre crop 224, ImageNet mean/std; a checkpoint's own size and mean/std)")
	input := flag.String("input", "", "safetensors file holding a raw NCHW float32 tensor named x (instead of -image)")
	resize := flag.String("resize", "", `"none" feeds -image at its own size with only ToTensor and Normalize`)
	layers := flag.String("layers", "", "comma-separated tap names to save, e.g. layer1,layer2.1,layer3.0.conv1 (see -list)")
	list := flag.Bool("list", false, "print every tap name of the model and exit")
	out := flag.String("out", "", "safetensors file to write logits, x and the taps to")
	topK := flag.Int("k", 5, "number of top classes to print")
	asJSON := flag.Bool("json", false, "print machine-readable logits and top-k on stdout")
	cli.ParseCommandLine("inspect")
	if err := run(model, *image, *input, *resize, *layers, *list, *out, *topK, *asJSON); err != nil {
		fmt.Fprintln(os.Stderr, cli.ErrorLine("inspect", err))
		os.Exit(1)
	}
}

func run(model *modelflags.Flags, image, input, resize, layers string, list bool, out string, topK int, asJSON bool) error {
	if err := outfile.CheckDir("out", out); err != nil {
		return err
	}
	m, meta, err := model.Load()
	if err != nil {
		return err
	}
	if list {
		fmt.Println(strings.Join(m.TapNames(), "\n"))
		return nil
	}
	if topK < 1 {
		return fmt.Errorf("-k %d: must be at least 1", topK)
	}
	x, err := readInput(image, input, resize, meta)
	if err != nil {
		return err
	}
	var taps []string
	for _, l := range strings.Split(layers, ",") {
		if l = strings.TrimSpace(l); l != "" {
			taps = append(taps, l)
		}
	}
	res, err := m.Run(x, taps, false)
	if err != nil {
		return err
	}
	if out != "" {
		floats := map[string]*nn.Tensor{"logits": res.Logits, "x": x}
		for name, t := range res.Taps {
			floats[name] = t
		}
		if err := nn.WriteSafetensors(out, floats, nil, map[string]string{"arch": string(m.Arch)}); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "wrote %s (logits, x and %d taps)\n", out, len(res.Taps))
	}
	probs := nn.Softmax(res.Logits)
	n, c := res.Logits.Shape[0], res.Logits.Shape[1]
	type entry struct {
		Class string  `json:"class"`
		Index int     `json:"index"`
		Prob  float32 `json:"prob"`
	}
	type row struct {
		Logits []float32 `json:"logits"`
		Top    []entry   `json:"top"`
	}
	rows := make([]row, n)
	for i := range rows {
		rows[i].Logits = res.Logits.Data[i*c : (i+1)*c]
		idx := make([]int, c)
		for j := range idx {
			idx[j] = j
		}
		p := probs.Data[i*c : (i+1)*c]
		sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] > p[idx[b]] })
		for _, j := range idx[:min(topK, c)] {
			rows[i].Top = append(rows[i].Top, entry{meta.Classes[j], j, p[j]})
		}
	}
	if asJSON {
		return json.NewEncoder(os.Stdout).Encode(rows)
	}
	for i, r := range rows {
		fmt.Printf("image %d:\n", i)
		for _, e := range r.Top {
			fmt.Printf("  %6.2f%%  %s\n", 100*e.Prob, e.Class)
		}
	}
	return nil
}

// readInput returns the tensor to run: -input as it is, or -image with the
// model's evaluation preprocessing (its input size and normalisation).
func readInput(image, input, resize string, meta *resnet.Meta) (*nn.Tensor, error) {
	switch {
	case image != "" && input != "":
		return nil, errors.New("give -image or -input, not both")
	case input != "":
		st, err := nn.ReadSafetensors(input)
		if err != nil {
			return nil, err
		}
		x, ok := st.Floats["x"]
		if !ok {
			return nil, fmt.Errorf("%s has no float tensor named x (tensors: %s)", input, strings.Join(st.Names(), ", "))
		}
		return x, nil
	case image == "":
		return nil, errors.New("no input: give -image FILE or -input x.safetensors")
	case resize == "none":
		return dataset.LoadImageTensorWith(image, dataset.EvalTransformNormalized(0, 0, meta.Mean, meta.Std), dataset.DecodeOptions{})
	case resize != "":
		return nil, fmt.Errorf(`-resize %q: the only accepted value is "none"`, resize)
	}
	size := meta.InputSize
	return dataset.LoadImageTensorWith(image,
		dataset.EvalTransformNormalized(size*256/224, size, meta.Mean, meta.Std), dataset.DecodeOptions{})
}
