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
//	C = alpha * As * Bp + beta * C
//
// where As is an mr x k sliver of A with element (i, p) at a[i*rsa+p*csa]
// (rsa, csa = 1, mr for a packed sliver; lda, 1 for rows of a row-major
// matrix read in place) and Bp a sliver of k rows of nr elements, rsb
// apart (b[p*rsb+j]; rsb = nr for a packed sliver, ldb for 16 columns of
// a row-major B read in place). C starts at c[0] with row stride ldc.
// When beta == 0, C is only written, never read, so it may hold NaN or
// Inf. k >= 1.
type microKernel func(k int, a []float32, rsa, csa int, b []float32, rsb int, c []float32, ldc int, alpha, beta float32)

// rowCopier copies k rows of nr floats, ld apart in src, to dst
// contiguously: the inner loop of packing B without transposition.
type rowCopier func(k int, src []float32, ld int, dst []float32)

// narrowKernel computes a 12 x 8 tile for the last B sliver of a block
// when at most 8 of its 16 columns are real and the dot kernel does not
// take them (more than maxDot columns, or a transposed A):
//
//	tile[i*8+j] = alpha * sum_p As(i, p) * b[p*nr+j],  i < 12, j < 8
//
// with rows 0-5 of As from a0 and rows 6-11 from a1, both with element
// (i, p) at i*rsa+p*csa. Twelve rows of one 8-float vector give the same
// number of independent FMA chains as the 6x16 tile for half the columns,
// so a thin edge costs half a tile instead of a whole one.
type narrowKernel func(k int, a0, a1 []float32, rsa, csa int, b []float32, tile *[2 * mr * nr / 2]float32, alpha float32)

// wideKernel computes the mr x nv*nr tile of C from one A sliver (as in
// microKernel) and nv B slivers side by side, 2 <= nv <= maxWide: element
// (p, j) of sliver v at b[v*bs+p*rsb+j] (bs = kc*nr for packed slivers,
// nr for a row-major B read in place). Only the first rows <= mr rows of
// the tile are written to C (and read, when beta != 0): the last sliver
// of a block, zero-padded, goes straight to C. The AVX-512 kernels need
// that much width to keep two 512-bit FMA ports busy
// (kernel_avx512_amd64.s).
type wideKernel func(nv, k int, a []float32, rsa, csa int, b []float32, rsb, bs int, c []float32, ldc int, alpha, beta float32, rows int)

// maxWide is the most B slivers a wideKernel takes at once.
const maxWide = 4

// dotKernel computes the last e <= maxDot columns of a block of C, for
// rows <= mr rows of A, as dot products along the depth:
//
//	C[i*ldc+j] = alpha * sum_p a[i*rsa+p] * b[j*k+p] + beta * C[i*ldc+j]
//
// for i < rows, j < e, touching nothing else of C and reading none of it
// when beta == 0. The rows of A are read in place (contiguous along the
// depth) and each edge column of B is packed contiguously, k elements
// apart. A block that is a few columns wider than a multiple of 16
// (N = 49 or 196 in ResNet's deep layers) then spends a few full-width
// dot products on them instead of a 16-column tile at half the FMA width
// (the narrow kernel).
type dotKernel func(e, k int, a []float32, rsa, rows int, b []float32, c []float32, ldc int, alpha, beta float32)

// maxDot is the most edge columns a dotKernel computes.
const maxDot = 4

// kernel names a micro-kernel and its helpers so that tests and
// benchmarks can run every kernel the CPU supports. wide may be nil: the
// driver then runs fn on one B sliver at a time.
type kernel struct {
	name   string
	fn     microKernel
	wide   wideKernel
	narrow narrowKernel
	dot    dotKernel
	copy16 rowCopier
	// splitLines: on this CPU a load that straddles two cache lines costs
	// about as much as one that does not, so B with rows off the line
	// grid is read in place too (see readsBInPlace).
	splitLines bool
}

// genericWide is the portable wideKernel: fn on each B sliver. The
// generic kernel set carries it so that the driver's grouping of slivers
// is tested on every CPU and in the purego build.
func genericWide(nv, k int, a []float32, rsa, csa int, b []float32, rsb, bs int, c []float32, ldc int, alpha, beta float32, rows int) {
	for v := 0; v < nv; v++ {
		if rows == mr {
			genericKernel(k, a, rsa, csa, b[v*bs:], rsb, c[v*nr:], ldc, alpha, beta)
			continue
		}
		var tile [mr * nr]float32
		genericKernel(k, a, rsa, csa, b[v*bs:], rsb, tile[:], nr, alpha, 0)
		mergeTile(c[v*nr:], ldc, tile[:], nr, rows, nr, beta)
	}
}

// genericNarrow is the portable narrowKernel.
func genericNarrow(k int, a0, a1 []float32, rsa, csa int, b []float32, tile *[2 * mr * nr / 2]float32, alpha float32) {
	b = b[:k*nr]
	for i := 0; i < 2*mr; i++ {
		a, r := a0, i
		if i >= mr {
			a, r = a1, i-mr
		}
		var acc [nr / 2]float32
		for p := 0; p < k; p++ {
			x := a[r*rsa+p*csa]
			bp := (*[nr / 2]float32)(b[p*nr:])
			for j := range acc {
				acc[j] += x * bp[j]
			}
		}
		for j := range acc {
			tile[i*nr/2+j] = alpha * acc[j]
		}
	}
}

// genericDot is the portable dotKernel.
func genericDot(e, k int, a []float32, rsa, rows int, b []float32, c []float32, ldc int, alpha, beta float32) {
	b = b[:e*k]
	for i := 0; i < rows; i++ {
		ar := a[i*rsa:][:k]
		cr := c[i*ldc:][:e]
		for j := range cr {
			var sum float32
			for p, x := range b[j*k:][:k] {
				sum += ar[p] * x
			}
			if beta == 0 {
				cr[j] = alpha * sum
			} else {
				cr[j] = alpha*sum + beta*cr[j]
			}
		}
	}
}

// genericCopy16 is the portable rowCopier.
func genericCopy16(k int, src []float32, ld int, dst []float32) {
	for p := 0; p < k; p++ {
		*(*[nr]float32)(dst[p*nr:]) = *(*[nr]float32)(src[p*ld:])
	}
}

// genericKernel is the portable micro-kernel in plain Go. It is the
// fallback on CPUs without AVX2 and FMA, on other architectures and with
// the purego build tag.
func genericKernel(k int, a []float32, rsa, csa int, b []float32, rsb int, c []float32, ldc int, alpha, beta float32) {
	// Two rows at a time of 16 accumulators in locals, so that the
	// compiler keeps them in registers.
	var acc [mr][nr]float32
	b = b[:(k-1)*rsb+nr]
	for i0 := 0; i0 < mr; i0 += 2 {
		var r0, r1 [nr]float32
		a0 := a[i0*rsa:]
		a1 := a[(i0+1)*rsa:]
		for p := 0; p < k; p++ {
			bp := (*[nr]float32)(b[p*rsb:])
			x0, x1 := a0[p*csa], a1[p*csa]
			for j := range bp {
				r0[j] += x0 * bp[j]
				r1[j] += x1 * bp[j]
			}
		}
		acc[i0], acc[i0+1] = r0, r1
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
