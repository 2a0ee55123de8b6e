package gemm

// packRows copies rows < mr rows of a row-major A, starting at row i0,
// column p0, into dst as the first rows of an mr x kc row-major sliver
// (row stride kc), and zeroes the rest: the last sliver of a block, which
// the kernels then read like rows in place (rsa = kc, csa = 1).
func packRows(dst, a []float32, lda, i0, p0, rows, kc int) {
	for r := 0; r < rows; r++ {
		copy(dst[r*kc:][:kc], a[(i0+r)*lda+p0:])
	}
	clear(dst[rows*kc : mr*kc])
}

// packA copies the mc x kc block of a transposed A (op(A)[i][p] =
// a[p*lda+i]) that starts at row i0, column p0 into dst as ceil(mc/mr)
// slivers of kc columns of mr elements (dst[s*kc*mr + p*mr + i] =
// op(A)[i0+s*mr+i][p0+p]), zero-padding rows past mc. The rows of op(A)
// are columns of a, so it walks a row by row (each a contiguous run of mc
// elements, read once) and deals every row out to all the slivers. An A
// that is not transposed is read in place instead.
func packA(dst, a []float32, lda, i0, p0, mc, kc int) {
	full := mc / mr
	rest := mc - full*mr
	if full > 0 {
		packASlivers(dst, a[p0*lda+i0:], lda, full, kc)
	}
	if rest == 0 {
		return
	}
	for p := 0; p < kc; p++ {
		src := a[(p0+p)*lda+i0+full*mr:][:rest]
		dp := (*[mr]float32)(dst[full*kc*mr+p*mr:])
		for r := range dp {
			if r < rest {
				dp[r] = src[r]
			} else {
				dp[r] = 0
			}
		}
	}
}

// packASlivers is the heart of packA: whole slivers, dst[s*kc*mr + p*mr +
// i] = a[p*lda + s*mr + i] for s < slivers, p < kc, i < mr. It is
// packASliversGo, or an assembly version where the CPU runs one.
var packASlivers = packASliversGo

// packASliversGo is the portable packASlivers.
func packASliversGo(dst, a []float32, lda, slivers, kc int) {
	for p := 0; p < kc; p++ {
		src := a[p*lda:][:slivers*mr]
		for s := 0; s < slivers; s++ {
			v := (*[mr]float32)(src[s*mr:])
			dp := (*[mr]float32)(dst[s*kc*mr+p*mr:])
			dp[0], dp[1], dp[2], dp[3], dp[4], dp[5] = v[0], v[1], v[2], v[3], v[4], v[5]
		}
	}
}

// packB copies the kc x nc block of op(B) that starts at row p0, column j0
// into dst as ceil(nc/nr) slivers of kc rows of nr elements
// (dst[s*kc*nr + p*nr + j] = op(B)[p0+p][j0+s*nr+j]), zero-padding columns
// past nc. op(B)[p][j] is b[p*ldb+j], or b[j*ldb+p] when trans; copy16
// moves whole rows of a sliver when not trans.
func packB(dst, b []float32, ldb int, trans bool, copy16 rowCopier, p0, j0, kc, nc int) {
	for s := 0; s*nr < nc; s++ {
		cols := min(nr, nc-s*nr)
		d := dst[s*kc*nr : (s+1)*kc*nr]
		j := j0 + s*nr
		if !trans {
			if cols == nr {
				copy16(kc, b[p0*ldb+j:], ldb, d)
				continue
			}
			for p := 0; p < kc; p++ {
				src := b[(p0+p)*ldb+j:][:cols]
				dp := (*[nr]float32)(d[p*nr:])
				copy(dp[:], src)
				clear(dp[cols:])
			}
			continue
		}
		if cols == nr {
			packBTrans16(d, b[j*ldb+p0:], ldb, kc)
			continue
		}
		for c := 0; c < nr; c++ {
			if c >= cols {
				for p := 0; p < kc; p++ {
					d[p*nr+c] = 0
				}
				continue
			}
			src := b[(j+c)*ldb+p0:][:kc]
			for p, v := range src {
				d[p*nr+c] = v
			}
		}
	}
}

// packBTrans16 packs a full sliver of a transposed B: row p of the sliver
// gathers element p of 16 rows of b (row stride ldb), read as 16
// sequential streams and written as one 64-byte row.
func packBTrans16(d, b []float32, ldb, kc int) {
	var rows [nr][]float32
	for c := range rows {
		rows[c] = b[c*ldb:][:kc]
	}
	r0, r1, r2, r3, r4, r5, r6, r7 := rows[0], rows[1], rows[2], rows[3], rows[4], rows[5], rows[6], rows[7]
	r8, r9, r10, r11, r12, r13, r14, r15 := rows[8][:kc], rows[9][:kc], rows[10][:kc], rows[11][:kc], rows[12][:kc], rows[13][:kc], rows[14][:kc], rows[15][:kc]
	d = d[:kc*nr]
	for p := range r0 {
		dp := (*[nr]float32)(d[p*nr:])
		dp[0], dp[1], dp[2], dp[3] = r0[p], r1[p], r2[p], r3[p]
		dp[4], dp[5], dp[6], dp[7] = r4[p], r5[p], r6[p], r7[p]
		dp[8], dp[9], dp[10], dp[11] = r8[p], r9[p], r10[p], r11[p]
		dp[12], dp[13], dp[14], dp[15] = r12[p], r13[p], r14[p], r15[p]
	}
}

// packEdge copies the e <= maxDot columns of op(B) that start at row p0,
// column j0 into dst as e columns of kc contiguous elements
// (dst[j*kc + p] = op(B)[p0+p][j0+j]): the layout of a dotKernel.
func packEdge(dst, b []float32, ldb int, trans bool, p0, j0, kc, e int) {
	if trans {
		for j := 0; j < e; j++ {
			copy(dst[j*kc:][:kc], b[(j0+j)*ldb+p0:])
		}
		return
	}
	// One pass down the rows, each giving its e neighbouring elements.
	dst = dst[:e*kc]
	for p := 0; p < kc; p++ {
		src := b[(p0+p)*ldb+j0:][:e]
		for j, v := range src {
			dst[j*kc+p] = v
		}
	}
}
