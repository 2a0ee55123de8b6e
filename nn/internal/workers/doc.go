// Package workers runs the data-parallel parts of nn and nn/gemm on a
// few long-lived goroutines, one per spare core, that spin for a moment
// after each task before they sleep.
//
// Starting a goroutine per parallel loop, or waking a sleeping one, costs
// tens of microseconds on a virtual machine whose idle vCPU has halted:
// as long as a whole 128x784x64 product on one core. A network's forward
// pass runs hundreds of such loops back to back, so helpers that are
// still spinning when the next one starts pick it up at once; after
// about spinTime without work they block and cost nothing. OpenMP
// runtimes (and so PyTorch) do the same.
//
// A Task claims its own pieces of work (typically with an atomic counter),
// so it is correct on any number of helpers, including none: when every
// helper is busy with another caller's task, the caller does all the work
// itself. Nothing allocates once the helpers have started. A panic in any
// call reaches the caller of Do, after the other calls have finished.
//
//	type sum struct{ next atomic.Int64; ... }
//	func (s *sum) Run() { for i := s.next.Add(1) - 1; i < n; i = s.next.Add(1) - 1 { ... } }
//
//	workers.Do(&s, runtime.GOMAXPROCS(0)-1)
package workers
