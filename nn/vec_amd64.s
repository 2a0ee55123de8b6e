//go:build !purego

#include "textflag.h"

// The element-wise loops of vec.go on 8-float AVX vectors. n is a multiple
// of 8 (the Go wrappers do the tail); 32 floats an iteration while they
// last.

// func reluAVX(dst, src *float32, n int)
// dst = max(src, 0); a NaN in src is passed through.
TEXT ·reluAVX(SB), NOSPLIT, $0-24
	MOVQ   dst+0(FP), DI
	MOVQ   src+8(FP), SI
	MOVQ   n+16(FP), CX
	VXORPS Y15, Y15, Y15
	CMPQ   CX, $32
	JLT    relu8
relu32:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMAXPS  Y0, Y15, Y0
	VMAXPS  Y1, Y15, Y1
	VMAXPS  Y2, Y15, Y2
	VMAXPS  Y3, Y15, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	CMPQ    CX, $32
	JGE     relu32
relu8:
	TESTQ   CX, CX
	JZ      reludone
	VMOVUPS (SI), Y0
	VMAXPS  Y0, Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     relu8
reludone:
	VZEROUPPER
	RET

// func addAVX(dst, a, b *float32, n int)
// dst = a + b.
TEXT ·addAVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	CMPQ CX, $32
	JLT  add8
add32:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VADDPS  (DX), Y0, Y0
	VADDPS  32(DX), Y1, Y1
	VADDPS  64(DX), Y2, Y2
	VADDPS  96(DX), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DX
	ADDQ    $128, DI
	SUBQ    $32, CX
	CMPQ    CX, $32
	JGE     add32
add8:
	TESTQ   CX, CX
	JZ      adddone
	VMOVUPS (SI), Y0
	VADDPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     add8
adddone:
	VZEROUPPER
	RET

// func affineAVX(dst, src *float32, n int, scale, shift float32, relu bool)
// dst = src*scale + shift, then max(., 0) when relu.
TEXT ·affineAVX(SB), NOSPLIT, $0-33
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS scale+24(FP), Y14
	VBROADCASTSS shift+28(FP), Y13
	MOVBLZX      relu+32(FP), AX
	VXORPS       Y15, Y15, Y15
	TESTQ        AX, AX
	JZ           aff8
	// relu: lower bound 0
	JMP          affr8
aff8:
	TESTQ        CX, CX
	JZ           affdone
	VMOVUPS      (SI), Y0
	VFMADD213PS  Y13, Y14, Y0
	VMOVUPS      Y0, (DI)
	ADDQ         $32, SI
	ADDQ         $32, DI
	SUBQ         $8, CX
	JMP          aff8
affr8:
	TESTQ        CX, CX
	JZ           affdone
	VMOVUPS      (SI), Y0
	VFMADD213PS  Y13, Y14, Y0
	VMAXPS       Y0, Y15, Y0
	VMOVUPS      Y0, (DI)
	ADDQ         $32, SI
	ADDQ         $32, DI
	SUBQ         $8, CX
	JMP          affr8
affdone:
	VZEROUPPER
	RET

// func axpyAVX(dst, src *float32, n int, a float32)
// dst += a*src.
TEXT ·axpyAVX(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS a+24(FP), Y14
	CMPQ         CX, $32
	JLT          axpy8
axpy32:
	VMOVUPS     (DI), Y0
	VMOVUPS     32(DI), Y1
	VMOVUPS     64(DI), Y2
	VMOVUPS     96(DI), Y3
	VFMADD231PS (SI), Y14, Y0
	VFMADD231PS 32(SI), Y14, Y1
	VFMADD231PS 64(SI), Y14, Y2
	VFMADD231PS 96(SI), Y14, Y3
	VMOVUPS     Y0, (DI)
	VMOVUPS     Y1, 32(DI)
	VMOVUPS     Y2, 64(DI)
	VMOVUPS     Y3, 96(DI)
	ADDQ        $128, SI
	ADDQ        $128, DI
	SUBQ        $32, CX
	CMPQ        CX, $32
	JGE         axpy32
axpy8:
	TESTQ       CX, CX
	JZ          axpydone
	VMOVUPS     (DI), Y0
	VFMADD231PS (SI), Y14, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         axpy8
axpydone:
	VZEROUPPER
	RET

// func reluGradAVX(gx, gy, y *float32, n int)
// gx += gy where y > 0.
TEXT ·reluGradAVX(SB), NOSPLIT, $0-32
	MOVQ   gx+0(FP), DI
	MOVQ   gy+8(FP), SI
	MOVQ   y+16(FP), DX
	MOVQ   n+24(FP), CX
	VXORPS Y15, Y15, Y15
rg8:
	TESTQ     CX, CX
	JZ        rgdone
	VMOVUPS   (DX), Y0
	VCMPPS    $0x0e, Y15, Y0, Y1 // Y1 = Y0 > 0 (GT_OS)
	VANDPS    (SI), Y1, Y1
	VADDPS    (DI), Y1, Y1
	VMOVUPS   Y1, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DX
	ADDQ      $32, DI
	SUBQ      $8, CX
	JMP       rg8
rgdone:
	VZEROUPPER
	RET

// func sumDevAVX(x *float32, n int, mu float32) (s, ss float32)
// s = sum(x - mu), ss = sum((x - mu)^2), in 8 lanes x 2 accumulators.
TEXT ·sumDevAVX(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS mu+16(FP), Y15
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	VXORPS       Y2, Y2, Y2
	VXORPS       Y3, Y3, Y3
	CMPQ         CX, $16
	JLT          sd8
sd16:
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	VSUBPS      Y15, Y4, Y4
	VSUBPS      Y15, Y5, Y5
	VADDPS      Y4, Y0, Y0
	VADDPS      Y5, Y1, Y1
	VFMADD231PS Y4, Y4, Y2
	VFMADD231PS Y5, Y5, Y3
	ADDQ        $64, SI
	SUBQ        $16, CX
	CMPQ        CX, $16
	JGE         sd16
sd8:
	TESTQ       CX, CX
	JZ          sddone
	VMOVUPS     (SI), Y4
	VSUBPS      Y15, Y4, Y4
	VADDPS      Y4, Y0, Y0
	VFMADD231PS Y4, Y4, Y2
	ADDQ        $32, SI
	SUBQ        $8, CX
	JMP         sd8
sddone:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VEXTRACTF128 $1, Y2, X3
	VADDPS       X3, X2, X2
	VHADDPS      X2, X2, X2
	VHADDPS      X2, X2, X2
	MOVSS        X0, s+24(FP)
	MOVSS        X2, ss+28(FP)
	VZEROUPPER
	RET

// func dotDevAVX(gy, x *float32, n int, mu float32) (sg, sgd float32)
// sg = sum(g), sgd = sum(g * (x - mu)).
TEXT ·dotDevAVX(SB), NOSPLIT, $0-40
	MOVQ         gy+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS mu+24(FP), Y15
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	VXORPS       Y2, Y2, Y2
	VXORPS       Y3, Y3, Y3
	CMPQ         CX, $16
	JLT          dd8
dd16:
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	VMOVUPS     (DI), Y6
	VMOVUPS     32(DI), Y7
	VSUBPS      Y15, Y4, Y4
	VSUBPS      Y15, Y5, Y5
	VADDPS      Y6, Y0, Y0
	VADDPS      Y7, Y1, Y1
	VFMADD231PS Y4, Y6, Y2
	VFMADD231PS Y5, Y7, Y3
	ADDQ        $64, SI
	ADDQ        $64, DI
	SUBQ        $16, CX
	CMPQ        CX, $16
	JGE         dd16
dd8:
	TESTQ       CX, CX
	JZ          dddone
	VMOVUPS     (SI), Y4
	VMOVUPS     (DI), Y6
	VSUBPS      Y15, Y4, Y4
	VADDPS      Y6, Y0, Y0
	VFMADD231PS Y4, Y6, Y2
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         dd8
dddone:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VEXTRACTF128 $1, Y2, X3
	VADDPS       X3, X2, X2
	VHADDPS      X2, X2, X2
	VHADDPS      X2, X2, X2
	MOVSS        X0, sg+32(FP)
	MOVSS        X2, sgd+36(FP)
	VZEROUPPER
	RET

// func axpbyAVX(dst, gy, x *float32, n int, a, b, c float32)
// dst += a*g + b*x + c.
TEXT ·axpbyAVX(SB), NOSPLIT, $0-44
	MOVQ         dst+0(FP), DI
	MOVQ         gy+8(FP), DX
	MOVQ         x+16(FP), SI
	MOVQ         n+24(FP), CX
	VBROADCASTSS a+32(FP), Y13
	VBROADCASTSS b+36(FP), Y14
	VBROADCASTSS c+40(FP), Y15
ab8:
	TESTQ       CX, CX
	JZ          abdone
	VMOVUPS     (DI), Y0
	VADDPS      Y15, Y0, Y0
	VFMADD231PS (DX), Y13, Y0
	VFMADD231PS (SI), Y14, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DX
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         ab8
abdone:
	VZEROUPPER
	RET

// func max3AVX(dst, a, b, c *float32, n int)
// dst = max(a, b, c), NaN if any of the three is NaN (as Go's max; but
// VMAXPS may give -0 for +0 and -0).
TEXT ·max3AVX(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ c+24(FP), DX
	MOVQ n+32(FP), CX
max3loop:
	VMOVUPS   (AX), Y0
	VMOVUPS   (BX), Y1
	VMOVUPS   (DX), Y2
	VMAXPS    Y1, Y0, Y3
	VMAXPS    Y2, Y3, Y3
	VCMPPS    $3, Y1, Y0, Y4 // unordered: a or b is NaN
	VCMPPS    $3, Y2, Y2, Y5 // c is NaN
	VORPS     Y5, Y4, Y4
	VADDPS    Y1, Y0, Y6     // a NaN where the mask is set
	VADDPS    Y2, Y6, Y6
	VBLENDVPS Y4, Y6, Y3, Y3
	VMOVUPS   Y3, (DI)
	ADDQ      $32, AX
	ADDQ      $32, BX
	ADDQ      $32, DX
	ADDQ      $32, DI
	SUBQ      $8, CX
	JNZ       max3loop
	VZEROUPPER
	RET

// func evensAVX(dst, src *float32, n int)
// dst[i] = src[2i] for i < n: two 8-float loads, one in-lane shuffle that
// keeps the even elements of both, one cross-lane permute to put them in
// order. Reads src[0:2n].
TEXT ·evensAVX(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
evens8:
	TESTQ   CX, CX
	JZ      evensdone
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSHUFPS $0x88, Y1, Y0, Y2 // a0 a2 b0 b2 | a4 a6 b4 b6
	VPERMPD $0xd8, Y2, Y2     // a0 a2 a4 a6 b0 b2 b4 b6
	VMOVUPS Y2, (DI)
	ADDQ    $64, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     evens8
evensdone:
	VZEROUPPER
	RET

// func reluMaskAVX(gx, y *float32, n int)
// g = g where y > 0, else 0: ReLU's backward in place on its gradient.
TEXT ·reluMaskAVX(SB), NOSPLIT, $0-24
	MOVQ   gx+0(FP), DI
	MOVQ   y+8(FP), DX
	MOVQ   n+16(FP), CX
	VXORPS Y15, Y15, Y15
rm8:
	TESTQ   CX, CX
	JZ      rmdone
	VMOVUPS (DX), Y0
	VCMPPS  $0x0e, Y15, Y0, Y1 // Y1 = Y0 > 0 (GT_OS)
	VANDPS  (DI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     rm8
rmdone:
	VZEROUPPER
	RET
