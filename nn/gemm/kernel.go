package gemm

// mr x nr is the register tile of every micro-kernel: each call computes a
// 6x16 block of C from a packed 6-row sliver of op(A) and a packed 16-column
// sliver of op(B). The AVX2 kernel keeps the tile in twelve 8-float YMM
// accumulators (two per row), which leaves four registers for the B row and
// the broadcast A elements and gives 12 independent FMA chains, enough to
// cover the 4-cycle FMA latency on two FMA pipes.
const (
	mr = 6
	nr = 16
)

// microKernel computes the mr x nr tile
//
//	C = alpha * Ap * Bp + beta * C
//
// where Ap is a packed sliver of k columns of mr elements (a[p*mr+i] is
// row i, column p) and Bp a packed sliver of k rows of nr elements
// (b[p*nr+j]). C starts at c[0] with row stride ldc. When beta == 0, C is
// only written, never read, so it may hold NaN or Inf.
type microKernel func(k int, a, b, c []float32, ldc int, alpha, beta float32)

// kernel names a micro-kernel so that tests and benchmarks can run every
// kernel the CPU supports.
type kernel struct {
	name string
	fn   microKernel
}

// genericKernel is the portable micro-kernel in plain Go. It is the
// fallback on CPUs without AVX2 and FMA, on other architectures and with
// the purego build tag.
func genericKernel(k int, a, b, c []float32, ldc int, alpha, beta float32) {
	var acc [mr][nr]float32
	a = a[:k*mr]
	b = b[:k*nr]
	for p := 0; p < k; p++ {
		ap := (*[mr]float32)(a[p*mr:])
		bp := (*[nr]float32)(b[p*nr:])
		for i := 0; i < mr; i++ {
			ai := ap[i]
			row := &acc[i]
			for j := 0; j < nr; j++ {
				row[j] += ai * bp[j]
			}
		}
	}
	for i := 0; i < mr; i++ {
		crow := (*[nr]float32)(c[i*ldc:])
		if beta == 0 {
			for j := 0; j < nr; j++ {
				crow[j] = alpha * acc[i][j]
			}
		} else {
			for j := 0; j < nr; j++ {
				crow[j] = alpha*acc[i][j] + beta*crow[j]
			}
		}
	}
}
