// Package bench holds the project's performance benchmarks and the probes
// they are judged against. The benchmarks live in _test.go files and run
// with
//
//	go test -bench . -count 5 ./bench | tee new.txt
//	benchstat new.txt
//
// Each reports its speed as a "GFLOP/s" metric and, where it helps, the
// fraction of the machine's measured FMA peak as "%peak", so results from
// noisy shared machines can be read as ratios within one run.
//
// PeakGFLOPS measures that peak: a register-only loop of independent FMAs
// on each of the given number of goroutines.
//
//	fmt.Printf("FMA peak on 2 cores: %.0f GFLOP/s\n", bench.PeakGFLOPS(2))
package bench
