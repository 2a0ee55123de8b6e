//go:build !purego

#include "textflag.h"

// The update loops of sgd.go and adam.go on 8-float AVX vectors, with
// the same operations in the same order as the Go loops (a multiply and
// an add, never a fused multiply-add), so that both give the same bits.
// n is a multiple of 8; the Go wrappers do the tail.

// func sgdMomentumAVX(w, gr, buf *float32, n int, hasWD int, wd, mom, damp, negLR float32)
// d = g (+ wd*w when hasWD); buf = buf*mom + damp*d; w = w + negLR*buf.
TEXT ·sgdMomentumAVX(SB), NOSPLIT, $0-56
	MOVQ         w+0(FP), DI
	MOVQ         gr+8(FP), SI
	MOVQ         buf+16(FP), DX
	MOVQ         n+24(FP), CX
	MOVQ         hasWD+32(FP), R8
	VBROADCASTSS wd+40(FP), Y12
	VBROADCASTSS mom+44(FP), Y13
	VBROADCASTSS damp+48(FP), Y14
	VBROADCASTSS negLR+52(FP), Y15
sgd8:
	TESTQ   CX, CX
	JZ      sgddone
	VMOVUPS (SI), Y0 // d = g
	VMOVUPS (DI), Y1 // w
	TESTQ   R8, R8
	JZ      sgdnowd
	VMULPS  Y1, Y12, Y2
	VADDPS  Y2, Y0, Y0 // d = g + wd*w
sgdnowd:
	VMULPS  (DX), Y13, Y3 // buf*mom
	VMULPS  Y0, Y14, Y4   // damp*d
	VADDPS  Y4, Y3, Y3    // buf = buf*mom + damp*d
	VMOVUPS Y3, (DX)
	VMULPS  Y3, Y15, Y5
	VADDPS  Y5, Y1, Y1 // w = w + negLR*buf
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	SUBQ    $8, CX
	JMP     sgd8
sgddone:
	VZEROUPPER
	RET

// func adamWAVX(w, gr, m, v *float32, n int, decay, b1, omb1, b2, omb2, bc2Sqrt, eps, negStep float32)
// w = w*decay; m = m*b1 + omb1*g; v = v*b2 + (omb2*g)*g;
// w = w + (negStep*m) / (sqrt(v)/bc2Sqrt + eps).
TEXT ·adamWAVX(SB), NOSPLIT, $0-72
	MOVQ         w+0(FP), DI
	MOVQ         gr+8(FP), SI
	MOVQ         m+16(FP), DX
	MOVQ         v+24(FP), BX
	MOVQ         n+32(FP), CX
	VBROADCASTSS decay+40(FP), Y8
	VBROADCASTSS b1+44(FP), Y9
	VBROADCASTSS omb1+48(FP), Y10
	VBROADCASTSS b2+52(FP), Y11
	VBROADCASTSS omb2+56(FP), Y12
	VBROADCASTSS bc2Sqrt+60(FP), Y13
	VBROADCASTSS eps+64(FP), Y14
	VBROADCASTSS negStep+68(FP), Y15
adam8:
	TESTQ   CX, CX
	JZ      adamdone
	VMOVUPS (SI), Y0      // g
	VMULPS  (DI), Y8, Y1  // w*decay
	VMULPS  (DX), Y9, Y2  // m*b1
	VMULPS  Y0, Y10, Y3   // omb1*g
	VADDPS  Y3, Y2, Y2    // m
	VMOVUPS Y2, (DX)
	VMULPS  (BX), Y11, Y4 // v*b2
	VMULPS  Y0, Y12, Y5   // omb2*g
	VMULPS  Y0, Y5, Y5    // (omb2*g)*g
	VADDPS  Y5, Y4, Y4    // v
	VMOVUPS Y4, (BX)
	VSQRTPS Y4, Y4
	VDIVPS  Y13, Y4, Y4   // sqrt(v)/bc2Sqrt
	VADDPS  Y14, Y4, Y4   // + eps
	VMULPS  Y2, Y15, Y6   // negStep*m
	VDIVPS  Y4, Y6, Y6    // / denom
	VADDPS  Y6, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	ADDQ    $32, BX
	SUBQ    $8, CX
	JMP     adam8
adamdone:
	VZEROUPPER
	RET
