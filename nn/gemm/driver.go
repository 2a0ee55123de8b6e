package gemm

import (
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
}

var workspacePool = sync.Pool{New: func() any {
	return &workspace{
		a: alignedFloats((mcMax + mr) * kcMax),
		b: alignedFloats(kcMax * (ncMax + nr)),
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
	kern           microKernel
	aTrans, bTrans bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
}

// run computes p on one thread with the blocked algorithm described in
// block.go. m, n, k > 0.
func (w *workspace) run(p *problem) {
	kcStep := blockSize(p.k, kcMax, 8)
	mcStep := blockSize(p.m, mcMax, mr)
	ncStep := blockSize(p.n, ncMax, nr)
	for ic := 0; ic < p.m; ic += mcStep {
		mc := min(mcStep, p.m-ic)
		for pc := 0; pc < p.k; pc += kcStep {
			kc := min(kcStep, p.k-pc)
			packA(w.a, p.a, p.lda, p.aTrans, ic, pc, mc, kc)
			beta := p.beta
			if pc > 0 {
				beta = 1 // later depth blocks accumulate onto the first
			}
			for jc := 0; jc < p.n; jc += ncStep {
				nc := min(ncStep, p.n-jc)
				packB(w.b, p.b, p.ldb, p.bTrans, pc, jc, kc, nc)
				w.macroKernel(p, mc, nc, kc, ic*p.ldc+jc, beta)
			}
		}
	}
}

// macroKernel multiplies the packed mc x kc block of A by the packed
// kc x nc block of B into C at c[off:], tile by tile.
func (w *workspace) macroKernel(p *problem, mc, nc, kc, off int, beta float32) {
	kern, c, ldc, alpha := p.kern, p.c, p.ldc, p.alpha
	for jr := 0; jr < nc; jr += nr {
		bp := w.b[jr*kc:]
		cols := min(nr, nc-jr)
		for ir := 0; ir < mc; ir += mr {
			ap := w.a[ir*kc:]
			rows := min(mr, mc-ir)
			ci := off + ir*ldc + jr
			if rows == mr && cols == nr {
				kern(kc, ap, bp, c[ci:], ldc, alpha, beta)
				continue
			}
			// Edge tile: compute the full tile into w.tile, then merge
			// the valid part so nothing outside C is touched.
			kern(kc, ap, bp, w.tile[:], nr, alpha, 0)
			for i := 0; i < rows; i++ {
				crow := c[ci+i*ldc:][:cols]
				trow := w.tile[i*nr:][:cols]
				if beta == 0 {
					copy(crow, trow)
					continue
				}
				for j, t := range trow {
					crow[j] = t + beta*crow[j]
				}
			}
		}
	}
}
