//go:build !purego

#include "textflag.h"

// The AVX2 dot-product edge kernel: two edge columns of C for six rows of
// A, as dot products along the depth, eight depth steps per vector (see
// dotKernel in kernel.go and avx2Dot, which handles the depth's tail, the
// scaling and C).
//
// Why: on a CPU without AVX-512, a block whose width is a few columns past
// a multiple of 16 (N = 49 or 196 in ResNet's deep layers) would spend a
// 12x8 narrow tile, eight columns wide, on one to four real columns. Here
// each step of eight loads two B vectors and six A vectors for twelve
// full-width FMAs into twelve accumulators (row r, column c in Y(2r+c)).
//
// func dot6x2AVX2(k8 int, a0, a1, a2, a3, a4, a5 *float32, b0, b1 *float32, sums *[12]float32)
//
// k8 > 0 is a multiple of 8. sums[2r+c] = sum over p < k8 of ar[p]*bc[p].
TEXT ·dot6x2AVX2(SB), NOSPLIT, $0-80
	MOVQ k8+0(FP), CX
	SHRQ $3, CX
	MOVQ a0+8(FP), AX
	MOVQ a1+16(FP), BX
	MOVQ a2+24(FP), DX
	MOVQ a3+32(FP), SI
	MOVQ a4+40(FP), R8
	MOVQ a5+48(FP), R11
	MOVQ b0+56(FP), R9
	MOVQ b1+64(FP), R10
	XORQ DI, DI

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

d2loop:
	VMOVUPS     (R9)(DI*1), Y12
	VMOVUPS     (R10)(DI*1), Y13
	VMOVUPS     (AX)(DI*1), Y14
	VMOVUPS     (BX)(DI*1), Y15
	VFMADD231PS Y14, Y12, Y0
	VFMADD231PS Y14, Y13, Y1
	VFMADD231PS Y15, Y12, Y2
	VFMADD231PS Y15, Y13, Y3
	VMOVUPS     (DX)(DI*1), Y14
	VMOVUPS     (SI)(DI*1), Y15
	VFMADD231PS Y14, Y12, Y4
	VFMADD231PS Y14, Y13, Y5
	VFMADD231PS Y15, Y12, Y6
	VFMADD231PS Y15, Y13, Y7
	VMOVUPS     (R8)(DI*1), Y14
	VMOVUPS     (R11)(DI*1), Y15
	VFMADD231PS Y14, Y12, Y8
	VFMADD231PS Y14, Y13, Y9
	VFMADD231PS Y15, Y12, Y10
	VFMADD231PS Y15, Y13, Y11
	ADDQ        $32, DI
	DECQ        CX
	JNZ         d2loop

	// Lane sums: Y0..Y7 into one vector [s0 .. s7], Y8..Y11 into X8 =
	// [s8 .. s11]. VHADDPS works within 128-bit halves, so the halves
	// are added at the end.
	VHADDPS    Y1, Y0, Y0
	VHADDPS    Y3, Y2, Y2
	VHADDPS    Y2, Y0, Y0 // [s0 s1 s2 s3 | s0' s1' s2' s3'] (low, high halves)
	VHADDPS    Y5, Y4, Y4
	VHADDPS    Y7, Y6, Y6
	VHADDPS    Y6, Y4, Y4 // [s4 s5 s6 s7 | s4' s5' s6' s7']
	VPERM2F128 $0x20, Y4, Y0, Y12 // low halves: [s0..s3 | s4..s7]
	VPERM2F128 $0x31, Y4, Y0, Y13 // high halves
	VADDPS     Y13, Y12, Y12
	VHADDPS    Y9, Y8, Y8
	VHADDPS    Y11, Y10, Y10
	VHADDPS    Y10, Y8, Y8
	VEXTRACTF128 $1, Y8, X9
	VADDPS     X9, X8, X8

	MOVQ    sums+72(FP), DI
	VMOVUPS Y12, (DI)
	VMOVUPS X8, 32(DI)
	VZEROUPPER
	RET
