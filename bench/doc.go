// Package bench holds the project's performance benchmarks and the probes
// they are judged against. The benchmarks live in _test.go files; names
// state the shape, and each reports GFLOP/s (2 flops per multiply-add),
// allocations and, where it helps, "%peak", its share of this machine's FMA
// peak measured in the same run (PeakGFLOPS), so that results from noisy,
// shared machines can still be read as ratios:
//
//   - BenchmarkSgemm: our SGEMM and gonum's native one on the ResNet18
//     im2col shapes (M x N x K at batch 1) and 1024^3;
//   - BenchmarkConv: every distinct ResNet18 conv at batch 1 and 8, forward
//     (through nn.Conv2dInto, so allocs/op is what the conv allocates: 0),
//     backward-data and backward-weights, e.g.
//     forward/layer1/8x64x56x56_64x64x3x3_s1 (N x Cin x H x W, Cout x Cin x
//     kH x kW, stride);
//   - BenchmarkOps: ReLU, Add, eval BatchNorm and max-pooling on ResNet18
//     activation shapes, in GB/s; BenchmarkMaxPoolBackward: the stem
//     pooling's backward pass;
//   - BenchmarkResNet18Eval (batch 1 and 8), BenchmarkResNet18TrainStep
//     (batch 16) in images/s, BenchmarkResNet18InputGradient in ms/call, all
//     at 224 px; BenchmarkResNet18TrainStepMemory (batch 32) adds the peak
//     resident memory (run it alone);
//   - BenchmarkOptimizerStep: one SGD-momentum and one AdamW update of
//     ResNet18's 11.7 M parameters, in Mparams/s;
//   - BenchmarkDeepDreamStep224 and BenchmarkGradCAM224: one DeepDream
//     step on layer3 and layer4 and one Grad-CAM call, in ms;
//   - BenchmarkPeakFMA: the FMA ceiling on one and two cores, with the
//     widest vectors the CPU has (AVX-512 where present).
//
// Run and compare two versions with benchstat
// (go install golang.org/x/perf/cmd/benchstat@latest):
//
//	go test -run X -bench . -count 6 ./bench | tee old.txt
//	# change something
//	go test -run X -bench . -count 6 ./bench | tee new.txt
//	benchstat old.txt new.txt
//
// A subset: -bench 'Conv/forward/.*/8x' or -bench ResNet18 -benchtime 2s
// (the first calls of a benchmark run cold: time over a second or more).
// On a machine shared with other work, compare runs made close together and
// read %peak rather than absolute times. Use -cpuprofile to see where the
// time goes:
//
//	go test -run X -bench ResNet18Eval -cpuprofile cpu.out ./bench
//	go tool pprof -top bench.test cpu.out
//
// torch_compare.py (optional, needs PyTorch: /usr/bin/python3
// bench/torch_compare.py) times PyTorch's ResNet18 on the same workloads
// with two threads, runs ours, and prints the ratios.
//
// PeakGFLOPS measures the peak: a register-only loop of independent FMAs,
// of the widest vectors the CPU has (AVX-512 where present, else AVX2), on
// each of the given number of goroutines.
//
//	fmt.Printf("FMA peak on 2 cores: %.0f GFLOP/s\n", bench.PeakGFLOPS(2))
package bench
