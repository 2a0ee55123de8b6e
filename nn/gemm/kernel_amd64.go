//go:build !purego

package gemm

// kernel6x16AVX2 is the AVX2+FMA micro-kernel (kernel_amd64.s): the
// microKernel contract on raw pointers, with the strides in elements.
//
//go:noescape
func kernel6x16AVX2(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, ldc int, alpha, beta float32)

// kernel6x64AVX512, kernel6x48AVX512 and kernel6x32AVX512 are the
// wideKernel for nv = 4, 3 and 2 in AVX-512 assembly
// (kernel_avx512_amd64.s), on raw pointers.
//
//go:noescape
func kernel6x64AVX512(k int, a *float32, rsa, csa int, b *float32, rsb, bs int, c *float32, ldc int, alpha, beta float32, rows int)

//go:noescape
func kernel6x48AVX512(k int, a *float32, rsa, csa int, b *float32, rsb, bs int, c *float32, ldc int, alpha, beta float32, rows int)

//go:noescape
func kernel6x32AVX512(k int, a *float32, rsa, csa int, b *float32, rsb, bs int, c *float32, ldc int, alpha, beta float32, rows int)

// kernel12x8AVX2 is the narrowKernel in assembly, on raw pointers.
//
//go:noescape
func kernel12x8AVX2(k int, a0, a1 *float32, rsa, csa int, b *float32, c *float32, alpha float32)

// dot6x4AVX512 and dot6x1AVX512 are the dotKernel in AVX-512 assembly
// (dot_avx512_amd64.s), on raw pointers: for up to four and for one edge
// column.
//
//go:noescape
func dot6x4AVX512(e, k int, a *float32, rsa, rows int, b *float32, c *float32, ldc int, alpha, beta float32)

//go:noescape
func dot6x1AVX512(e, k int, a *float32, rsa, rows int, b *float32, c *float32, ldc int, alpha, beta float32)

// dot6x2AVX2 sums the products of six rows of A with two edge columns of
// B over the first k8 (a multiple of 8) depth steps (dot_avx2_amd64.s):
// sums[2r+c] for row r and column c. avx2Dot builds the dotKernel on it.
//
//go:noescape
func dot6x2AVX2(k8 int, a0, a1, a2, a3, a4, a5 *float32, b0, b1 *float32, sums *[2 * mr]float32)

// packA6AVX is packASlivers in assembly (kernel_amd64.s), on raw
// pointers: one 16-byte and one 8-byte move per sliver and depth step.
//
//go:noescape
func packA6AVX(kc, slivers int, src *float32, lda int, dst *float32)

// avx2PackASlivers wraps packA6AVX in the packASlivers signature,
// checking bounds.
func avx2PackASlivers(dst, a []float32, lda, slivers, kc int) {
	if slivers < 1 || kc < 1 {
		panic("gemm: avx2PackASlivers: size out of range")
	}
	_ = a[(kc-1)*lda+slivers*mr-1]
	_ = dst[slivers*kc*mr-1]
	packA6AVX(kc, slivers, &a[0], lda, &dst[0])
}

func init() {
	if useAVX2 {
		packASlivers = avx2PackASlivers
	}
}

// packB16AVX is the rowCopier in assembly (two 32-byte moves a row).
//
//go:noescape
func packB16AVX(k int, src *float32, ldb int, dst *float32)

// cpuid executes CPUID with the given leaf and sub-leaf.
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

// xgetbv reads XCR0, the register state the OS saves on context switch.
func xgetbv() (eax, edx uint32)

// hasAVX2FMA reports whether the CPU has AVX2 and FMA3 and the OS saves the
// YMM registers, which is what the assembly kernel needs.
func hasAVX2FMA() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const (
		fma     = 1 << 12
		osxsave = 1 << 27
		avx     = 1 << 28
	)
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // SSE and AVX state enabled
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	const avx2 = 1 << 5
	return ebx7&avx2 != 0
}

// hasAVX512 reports whether the CPU has AVX-512 Foundation and the OS
// saves the opmask and all 32 ZMM registers.
func hasAVX512() bool {
	if !hasAVX2FMA() {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	const avx512f = 1 << 16
	if ebx7&avx512f == 0 {
		return false
	}
	const opmaskZMM = 0xe0 // XCR0 bits 5-7: opmask, ZMM0-15 upper halves, ZMM16-31
	xcr0, _ := xgetbv()
	return xcr0&opmaskZMM == opmaskZMM
}

// isZen5OrLater reports an AMD CPU of family 1Ah (Zen 5) or later, whose
// loads that straddle two cache lines measured as cheap as aligned ones
// in the AVX-512 kernels (see readsBInPlace).
func isZen5OrLater() bool {
	_, ebx, ecx, edx := cpuid(0, 0)
	const auth, enti, camd = 0x68747541, 0x69746e65, 0x444d4163 // "Auth", "enti", "cAMD"
	if ebx != auth || edx != enti || ecx != camd {
		return false
	}
	eax1, _, _, _ := cpuid(1, 0)
	family := eax1 >> 8 & 0xf
	if family == 0xf {
		family += eax1 >> 20 & 0xff
	}
	return family >= 0x1a
}

// hasAVX512VL reports whether the CPU also has AVX-512 Vector Length
// extensions: the EVEX forms of 128- and 256-bit instructions (registers
// X16-X31, masked XMM loads and stores), which the dot kernels use. Every
// AVX-512 CPU has them except Xeon Phi (Knights Landing and Mill), and a
// VM may hide them.
func hasAVX512VL() bool {
	if !hasAVX512() {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	const avx512vl = 1 << 31
	return ebx7&avx512vl != 0
}

// avx512Wide wraps the AVX-512 kernels in the wideKernel signature,
// checking the slice lengths so that the assembly never runs off them.
func avx512Wide(nv, k int, a []float32, rsa, csa int, b []float32, rsb, bs int, c []float32, ldc int, alpha, beta float32, rows int) {
	if rows < 1 || rows > mr {
		panic("gemm: avx512Wide: rows out of range")
	}
	_ = a[(mr-1)*rsa+(k-1)*csa]
	_ = b[(nv-1)*bs+(k-1)*rsb+nr-1]
	_ = c[(rows-1)*ldc+nv*nr-1]
	switch nv {
	case 4:
		kernel6x64AVX512(k, &a[0], rsa, csa, &b[0], rsb, bs, &c[0], ldc, alpha, beta, rows)
	case 3:
		kernel6x48AVX512(k, &a[0], rsa, csa, &b[0], rsb, bs, &c[0], ldc, alpha, beta, rows)
	case 2:
		kernel6x32AVX512(k, &a[0], rsa, csa, &b[0], rsb, bs, &c[0], ldc, alpha, beta, rows)
	default:
		panic("gemm: avx512Wide: nv out of range")
	}
}

// avx512Dot wraps the dot-product kernels in the dotKernel signature,
// checking bounds.
func avx512Dot(e, k int, a []float32, rsa, rows int, b []float32, c []float32, ldc int, alpha, beta float32) {
	if e < 1 || e > maxDot || rows < 1 || rows > mr || k < 1 {
		panic("gemm: avx512Dot: size out of range")
	}
	_ = a[(rows-1)*rsa+k-1]
	_ = b[e*k-1]
	_ = c[(rows-1)*ldc+e-1]
	if e == 1 {
		dot6x1AVX512(e, k, &a[0], rsa, rows, &b[0], &c[0], ldc, alpha, beta)
		return
	}
	dot6x4AVX512(e, k, &a[0], rsa, rows, &b[0], &c[0], ldc, alpha, beta)
}

// avx2Dot is the dotKernel on dot6x2AVX2: two edge columns at a time (the
// last one computed twice when e is odd, which costs less than a third
// kernel), with the last k%8 depth steps, alpha and beta in Go. Rows past
// rows repeat the last one, so that nothing outside A is read.
func avx2Dot(e, k int, a []float32, rsa, rows int, b []float32, c []float32, ldc int, alpha, beta float32) {
	if e < 1 || e > maxDot || rows < 1 || rows > mr || k < 1 {
		panic("gemm: avx2Dot: size out of range")
	}
	_ = a[(rows-1)*rsa+k-1]
	b = b[:e*k]
	_ = c[(rows-1)*ldc+e-1]
	k8 := k &^ 7
	var ap [mr]*float32
	for i := range ap {
		ap[i] = &a[min(i, rows-1)*rsa]
	}
	for j := 0; j < e; j += 2 {
		j1 := min(j+1, e-1)
		var sums [2 * mr]float32
		if k8 > 0 {
			dot6x2AVX2(k8, ap[0], ap[1], ap[2], ap[3], ap[4], ap[5], &b[j*k], &b[j1*k], &sums)
		}
		for i := 0; i < rows; i++ {
			ar := a[i*rsa:][:k]
			for col := j; col <= j1; col++ {
				s := sums[2*i+col-j]
				bc := b[col*k:][:k]
				for p := k8; p < k; p++ {
					s += ar[p] * bc[p]
				}
				out := &c[i*ldc+col]
				if beta == 0 {
					*out = alpha * s
				} else {
					*out = alpha*s + beta**out
				}
			}
		}
	}
}

// avx2Kernel wraps the assembly kernel in the microKernel signature,
// checking the slice lengths so that the assembly never runs off them.
func avx2Kernel(k int, a []float32, rsa, csa int, b []float32, rsb int, c []float32, ldc int, alpha, beta float32) {
	_ = a[(mr-1)*rsa+(k-1)*csa]
	_ = b[(k-1)*rsb+nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	kernel6x16AVX2(k, &a[0], rsa, csa, &b[0], rsb, &c[0], ldc, alpha, beta)
}

// avx2Narrow wraps kernel12x8AVX2 in the narrowKernel signature,
// checking bounds.
func avx2Narrow(k int, a0, a1 []float32, rsa, csa int, b []float32, tile *[2 * mr * nr / 2]float32, alpha float32) {
	last := (mr-1)*rsa + (k-1)*csa
	_ = a0[last]
	_ = a1[last]
	_ = b[(k-1)*nr+nr/2-1]
	kernel12x8AVX2(k, &a0[0], &a1[0], rsa, csa, &b[0], &tile[0], alpha)
}

// avx2Copy16 wraps packB16AVX in the rowCopier signature, checking bounds.
func avx2Copy16(k int, src []float32, ld int, dst []float32) {
	_ = src[(k-1)*ld+nr-1]
	_ = dst[k*nr-1]
	packB16AVX(k, &src[0], ld, &dst[0])
}

// kernels lists the micro-kernels this CPU can run, fastest first.
func kernels() []kernel {
	ks := []kernel{}
	if hasAVX512() {
		// The AVX2 kernels serve single slivers and thin edges.
		k := kernel{name: "avx512", fn: avx2Kernel, wide: avx512Wide, narrow: avx2Narrow, copy16: avx2Copy16, splitLines: isZen5OrLater()}
		k.dot = avx2Dot
		if hasAVX512VL() {
			k.dot = avx512Dot
		}
		ks = append(ks, k)
	}
	if hasAVX2FMA() {
		ks = append(ks, kernel{name: "avx2", fn: avx2Kernel, narrow: avx2Narrow, dot: avx2Dot, copy16: avx2Copy16})
	}
	return append(ks, kernel{name: "generic", fn: genericKernel, wide: genericWide, narrow: genericNarrow, dot: genericDot, copy16: genericCopy16})
}

// HasAVX2FMA reports whether this CPU and OS run the AVX2+FMA assembly
// (always false with the purego build tag or off amd64), so that other
// packages can pick their own vector loops the same way.
func HasAVX2FMA() bool { return useAVX2 }

var useAVX2 = hasAVX2FMA()

// HasAVX512 reports whether this CPU and OS run the AVX-512 assembly
// (always false with the purego build tag or off amd64), so that the
// bench package probes the same FMA width as the kernels use.
func HasAVX512() bool { return useAVX512 }

var useAVX512 = hasAVX512()
