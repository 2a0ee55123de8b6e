package gemm

import (
	"slices"
	"sync"
	"unsafe"
)

// workspace holds one thread's packing buffers and the edge tile; the
// buffers are reused through workspacePool so that steady-state calls
// allocate nothing.
type workspace struct {
	a    []float32 // packed A block, mcMax x kcMax (rounded up to mr)
	b    []float32 // packed B block, kcMax x ncMax
	tile [mr * nr]float32
	// narrow is the 12x8 tile of the narrow-edge kernel.
	narrow [2 * mr * nr / 2]float32
	// edge holds the last e <= maxDot columns of a B block for the
	// dot-product kernel, column after column.
	edge []float32
}

var workspacePool = sync.Pool{New: func() any {
	return &workspace{
		a:    alignedFloats((mcMax + mr) * kcMax),
		b:    alignedFloats(kcMax * (ncMax + nr)),
		edge: alignedFloats(kcMax * maxDot),
	}
}}

// alignedFloats returns n float32s starting on a 64-byte (cache line)
// boundary, so that the kernel's 32-byte loads of packed data never split
// a cache line.
func alignedFloats(n int) []float32 {
	const align = 64 / 4
	s := make([]float32, n+align)
	off := int(uintptr(unsafe.Pointer(&s[0])) % 64 / 4)
	if off != 0 {
		off = align - off
	}
	return s[off : off+n : off+n]
}

// problem is one (sub-)product C = alpha*op(A)*op(B) + beta*C in the
// Sgemm argument convention, with slices already offset to the sub-matrix.
type problem struct {
	kern           kernel
	aTrans, bTrans bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
}

// run computes p on one thread with the blocked algorithm described in
// block.go. m, n, k > 0.
//
// A is read in place when it is not transposed (its rows are what the
// kernel wants: six rows streamed side by side); only the last sliver of
// fewer than mr rows is packed, zero-padded. A transposed A is packed.
func (w *workspace) run(p *problem) {
	kcStep := blockSize(p.k, kcMax, 8)
	mcStep := blockSize(p.m, mcMax, mr)
	ncStep := blockSize(p.n, ncMax, nr)
	inPlaceB := p.readsBInPlace()
	for ic := 0; ic < p.m; ic += mcStep {
		mc := min(mcStep, p.m-ic)
		full := mc / mr * mr // rows in whole slivers
		for pc := 0; pc < p.k; pc += kcStep {
			kc := min(kcStep, p.k-pc)
			if p.aTrans {
				packA(w.a, p.a, p.lda, ic, pc, mc, kc)
			} else if full < mc {
				packRows(w.a, p.a, p.lda, ic+full, pc, mc-full, kc)
			}
			beta := p.beta
			if pc > 0 {
				beta = 1 // later depth blocks accumulate onto the first
			}
			for jc := 0; jc < p.n; jc += ncStep {
				nc := min(ncStep, p.n-jc)
				if e := p.dotEdge(nc); e > 0 {
					// The last e columns go to the dot kernel, packed
					// its way; the slivers before them as usual.
					packEdge(w.edge, p.b, p.ldb, p.bTrans, pc, jc+nc-e, kc, e)
					if !inPlaceB {
						packB(w.b, p.b, p.ldb, p.bTrans, p.kern.copy16, pc, jc, kc, nc-e)
					}
				} else if inPlaceB {
					// Whole slivers are read from B; only a ragged last
					// one is packed, zero-padded, at its usual place.
					if last := nc / nr * nr; last < nc {
						packB(w.b[last*kc:], p.b, p.ldb, false, p.kern.copy16, pc, jc+last, kc, nc-last)
					}
				} else {
					packB(w.b, p.b, p.ldb, p.bTrans, p.kern.copy16, pc, jc, kc, nc)
				}
				w.macroKernel(p, ic, pc, jc, mc, nc, kc, beta, inPlaceB)
			}
		}
	}
}

// macroKernel multiplies the mc x kc block of A at (ic, pc) by the packed
// kc x nc block of B into C at (ic, jc), tile by tile: each packed B
// sliver (kc x 16, 16 KB at kc = 256) stays in L1 while all the A slivers
// of the block stream past it from L2, which moves 24 bytes of A per
// depth step instead of 64 bytes of B.
func (w *workspace) macroKernel(p *problem, ic, pc, jc, mc, nc, kc int, beta float32, inPlaceB bool) {
	kern, wide, c, ldc, alpha := p.kern.fn, p.kern.wide, p.c, p.ldc, p.alpha
	off := ic*ldc + jc
	full := mc / mr * mr
	// A last B sliver with at most maxDot real columns goes to the dot
	// kernel, else with at most 8 to the narrow kernel, two A slivers at
	// a time.
	lastJ := (nc - 1) / nr * nr
	narrow := p.kern.narrow != nil && nc-lastJ <= nr/2
	dotE := p.dotEdge(nc)
	sliver := func(ir int) (ap []float32, rsa, csa int) {
		switch {
		case p.aTrans:
			return w.a[ir*kc:], 1, mr
		case ir < full:
			return p.a[(ic+ir)*p.lda+pc:], p.lda, 1
		default:
			return w.a, kc, 1
		}
	}
	for jr := 0; jr < nc; {
		if jr == lastJ && dotE > 0 {
			for ir := 0; ir < mc; ir += mr {
				rows := min(mr, mc-ir)
				p.kern.dot(dotE, kc, p.a[(ic+ir)*p.lda+pc:], p.lda, rows, w.edge, c[off+ir*ldc+jr:], ldc, alpha, beta)
			}
			return
		}
		// Whole B slivers side by side go to the wide kernel, if any.
		if nv := min(maxWide, (nc-jr)/nr); wide != nil && nv >= 2 {
			bp, rsb, bs := w.b[jr*kc:], nr, kc*nr
			if inPlaceB {
				bp, rsb, bs = p.b[pc*p.ldb+jc+jr:], p.ldb, nr
			}
			for ir := 0; ir < mc; ir += mr {
				ap, rsa, csa := sliver(ir)
				ci := off + ir*ldc + jr
				wide(nv, kc, ap, rsa, csa, bp, rsb, bs, c[ci:], ldc, alpha, beta, min(mr, mc-ir))
			}
			jr += nv * nr
			continue
		}
		bp, rsb := w.b[jr*kc:], nr
		cols := min(nr, nc-jr)
		if inPlaceB && cols == nr {
			bp, rsb = p.b[pc*p.ldb+jc+jr:], p.ldb
		}
		narrowHere := narrow && jr == lastJ
		for ir := 0; ir < mc; {
			ap, rsa, csa := sliver(ir)
			ci := off + ir*ldc + jr
			// The narrow kernel takes two slivers at a time, when both
			// are whole: read in place from A, or both packed.
			if narrowHere && ir+2*mr <= mc {
				ap1, _, _ := sliver(ir + mr)
				p.kern.narrow(kc, ap, ap1, rsa, csa, bp, &w.narrow, alpha)
				mergeTile(c[ci:], ldc, w.narrow[:], nr/2, 2*mr, cols, beta)
				ir += 2 * mr
				continue
			}
			rows := min(mr, mc-ir)
			if rows == mr && cols == nr {
				kern(kc, ap, rsa, csa, bp, rsb, c[ci:], ldc, alpha, beta)
			} else {
				// Edge tile: compute the full tile into w.tile, then
				// merge the valid part so nothing outside C is touched.
				kern(kc, ap, rsa, csa, bp, rsb, w.tile[:], nr, alpha, 0)
				mergeTile(c[ci:], ldc, w.tile[:], nr, rows, cols, beta)
			}
			ir += mr
		}
		jr += nr
	}
}

// mergeTile sets the rows x cols corner of C to tile + beta*C, without
// reading C when beta == 0. The tile has row stride ldt.
func mergeTile(c []float32, ldc int, tile []float32, ldt, rows, cols int, beta float32) {
	for i := 0; i < rows; i++ {
		crow := c[i*ldc:][:cols]
		trow := tile[i*ldt:][:cols]
		if beta == 0 {
			copy(crow, trow)
			continue
		}
		for j, t := range trow {
			crow[j] = t + beta*crow[j]
		}
	}
}

// dotEdge returns how many columns at the end of an nc-column block go to
// the dot-product kernel: the e columns past the last whole sliver when
// 1 <= e <= maxDot and the kernel set has one; else 0. The dot kernel
// reads the rows of A in place, so A must not be transposed.
func (p *problem) dotEdge(nc int) int {
	e := nc % nr
	if p.kern.dot == nil || p.aTrans || e > maxDot || dotMode < 0 {
		return 0
	}
	return e
}

// dotMode is the test hook for dotEdge: -1 turns the dot kernel off.
var dotMode = 0

// bInPlace is the test hook for readsBInPlace: 1 forces reading whole B
// slivers in place, -1 forces packing them, 0 leaves it to the heuristic.
var bInPlace = 0

// readsBInPlace reports whether the kernel reads whole 16-column slivers
// of B straight from the matrix (rsb = ldb) instead of packing them.
// Packing B costs a copy of each element, which only pays back when the
// packed sliver is read by many A slivers; for the few rows of an im2col
// product (m <= 128 in ResNet) it was a fifth of the time. A transposed B
// must be packed.
//
// An unpacked sliver is kc rows ldb floats apart, which stays in L1 only
// if those rows fall in all of its sets: with a row stride of an even
// number of cache lines (ldb = 1024 or 3136, say) one sliver's lines
// crowd into a fraction of the sets and evict each other; four slivers
// side by side (a wide kernel) fill the gaps when the stride is 2 or 4
// lines mod 64. L1 is 64 sets of 64-byte lines on every x86 core of the
// last decade. Rows off the line grid are read in place only where the
// kernel set has splitLines (AMD Zen 5: 256x196x2304 on two threads, 384
// GFLOP/s packed, 433-457 in place; 512x49x4608 level) and they spread
// (offGridSpreads).
func (p *problem) readsBInPlace() bool {
	if p.bTrans || bInPlace < 0 {
		return false
	}
	if bInPlace > 0 {
		return true
	}
	if p.m > mcMax {
		return false
	}
	if p.ldb%lineFloats != 0 {
		return p.kern.splitLines && p.kern.wide != nil && offGridSpreads(p.ldb)
	}
	return strideSpreads(p.ldb, p.kern.wide != nil)
}

// offGridSpreads reports whether the rows of a group of maxWide slivers,
// ldb floats apart (ldb off the line grid), spread over the L1 sets: over
// kcMax rows, no set holds more than twice its share of their lines. Rows
// 196 floats apart do (12.25 lines apart: over 256 rows every set holds
// 19 of their lines); 1025 apart do not (each row starts one float after
// the row 64 lines before it, so 16 rows in a row start in the same set).
// The base of B is taken to be on a line boundary.
func offGridSpreads(ldb int) bool {
	if v, ok := spreadsByStride.Load(ldb); ok {
		return v.(bool)
	}
	ok := countSpread(ldb)
	spreadsByStride.Store(ldb, ok)
	return ok
}

// spreadsByStride memoizes offGridSpreads: a call would otherwise walk
// about 1,300 lines on every readsBInPlace of every band.
var spreadsByStride sync.Map // int -> bool

// countSpread is offGridSpreads without the memo.
func countSpread(ldb int) bool {
	const sets = 64
	var count [sets]int
	lines := 0
	for r := range kcMax {
		first, last := r*ldb/lineFloats, (r*ldb+maxWide*nr-1)/lineFloats
		for l := first; l <= last; l++ {
			count[l%sets]++
			lines++
		}
	}
	return slices.Max(count[:]) <= 2*lines/sets
}

// strideSpreads reports whether rows ldb floats apart can be read in place
// by the kernels: on the 64-byte line grid (rows off it span two lines
// each, and packing them won on 256x196 and 512x49 products on Ice Lake
// and Zen 4; readsBInPlace makes the Zen 5 exception), and spread
// over the L1 sets. Rows stride lines apart start in sets/gcd(stride,
// sets) distinct sets. A wide kernel reads maxWide consecutive lines of
// each row, which then touch maxWide times as many sets, and beats packing
// even with some conflict once that is a quarter of them (64x12544x147:
// 113 vs 99 GFLOP/s on one core); one line per row needs all the sets (an
// odd stride).
func strideSpreads(ldb int, wide bool) bool {
	const sets = 64
	if ldb%lineFloats != 0 {
		return false
	}
	g := sets
	for s := ldb / lineFloats % sets; s != 0; g, s = s, g%s {
	}
	if wide {
		return sets/g*maxWide >= sets/4
	}
	return g == 1
}

// lineFloats is the float32s in a 64-byte cache line.
const lineFloats = 16

// ColumnStride returns the row stride (at least n) to give a matrix with
// n columns that will be the B operand of a non-transposed Sgemm, such as
// a convolution's column matrix, so that the kernels read it in place
// instead of copying it into packed slivers: n itself when it already
// suits, else n rounded up to an odd number of cache lines. A layer-3
// ResNet product (256x196x2304) runs about 3-5% faster with 208 than with
// 196. Narrow matrices (n < 64), whose cost is mostly in the edge
// columns, keep n. The padding columns are never read.
func ColumnStride(n int) int {
	if n < 4*nr || strideSpreads(n, defaultKernel.wide != nil) {
		return n
	}
	ld := (n + lineFloats - 1) / lineFloats * lineFloats
	if ld/lineFloats%2 == 0 {
		ld += lineFloats
	}
	return ld
}
