// Command tour runs the whole Plant Seedlings study in one go and writes a
// report: a montage of the data, a ResNet18 trained on it (with curves and
// a confusion matrix), DeepDream on the outputs of stages 2, 3 and 4, the
// inside of residual units layer2.1 and layer3.1, and CAM and Grad-CAM
// overlays with the samples whose maps miss the plant ranked first. It all
// ends up in one folder, with index.html showing every picture.
//
// On a fresh clone, from the repository root:
//
//	go run ./examples/tour            # 2-9 minutes on two cores, by CPU
//	go run ./examples/tour -quick     # smaller settings, about a tenth of the time
//
// then open out/index.html (out-quick/index.html after -quick). With torchvision's ImageNet weights the network
// learns far more from the small bundled set:
//
//	go run ./examples/tour -weights resnet18-f37072fd.pth
//
// Flags:
//
//	-data DIR      ImageFolder with train/ and val/ (default: the bundled data/seedlings-mini)
//	-weights FILE  torchvision ResNet18 weights (.pth or safetensors) to fine-tune from
//	-size PX       training input size (default 112; 64 with -quick)
//	-epochs N      training epochs (default 15; 3 with -quick)
//	-out DIR       output folder (default out; out-quick with -quick)
//	-quick         small settings for a first look
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/seedling-ml/seedling/examples/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, cli.ErrorLine("tour", err))
		os.Exit(1)
	}
}

// run parses the flags and runs the tour, printing progress to stderr and
// the summary to stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	return tour(ctx, cfg, stdout, stderr)
}
