//go:build !purego

#include "textflag.h"

// One k step of the 6x16 micro-kernel: two 8-float vectors of the B row
// (Y12, Y13) times the six broadcast elements of the A column, accumulated
// into Y0..Y11 (row r in Y(2r), Y(2r+1)). BX points at the B row, which
// then steps to the next one (SI bytes); AX points at A row 0 and R12 at
// A row 3 of the current column, R11 is the A row stride in bytes. Both
// A pointers then step to the next column (R13 bytes).
#define STEP \
	VMOVUPS      (BX), Y12            \
	VMOVUPS      32(BX), Y13          \
	ADDQ         SI, BX               \
	VBROADCASTSS (AX), Y14            \
	VBROADCASTSS (AX)(R11*1), Y15     \
	VFMADD231PS  Y12, Y14, Y0         \
	VFMADD231PS  Y13, Y14, Y1         \
	VFMADD231PS  Y12, Y15, Y2         \
	VFMADD231PS  Y13, Y15, Y3         \
	VBROADCASTSS (AX)(R11*2), Y14     \
	VBROADCASTSS (R12), Y15           \
	VFMADD231PS  Y12, Y14, Y4         \
	VFMADD231PS  Y13, Y14, Y5         \
	VFMADD231PS  Y12, Y15, Y6         \
	VFMADD231PS  Y13, Y15, Y7         \
	VBROADCASTSS (R12)(R11*1), Y14    \
	VBROADCASTSS (R12)(R11*2), Y15    \
	ADDQ         R13, AX              \
	ADDQ         R13, R12             \
	VFMADD231PS  Y12, Y14, Y8         \
	VFMADD231PS  Y13, Y14, Y9         \
	VFMADD231PS  Y12, Y15, Y10        \
	VFMADD231PS  Y13, Y15, Y11

// Row r of C (at DI) = alpha*acc + beta*C, reading C.
#define ROWBETA(lo, hi) \
	VFMADD231PS (DI), Y13, lo    \
	VFMADD231PS 32(DI), Y13, hi  \
	VMOVUPS     lo, (DI)         \
	VMOVUPS     hi, 32(DI)       \
	ADDQ        DX, DI

// Row r of C (at DI) = alpha*acc, never reading C.
#define ROWSTORE(lo, hi) \
	VMOVUPS lo, (DI)     \
	VMOVUPS hi, 32(DI)   \
	ADDQ    DX, DI

// func kernel6x16AVX2(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, ldc int, alpha, beta float32)
TEXT ·kernel6x16AVX2(SB), NOSPLIT, $0-72
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ rsa+16(FP), R11
	SHLQ $2, R11
	MOVQ csa+24(FP), R13
	SHLQ $2, R13
	LEAQ (AX)(R11*2), R12
	ADDQ R11, R12
	MOVQ b+32(FP), BX
	MOVQ rsb+40(FP), SI
	SHLQ $2, SI
	MOVQ c+48(FP), DI
	MOVQ ldc+56(FP), DX
	SHLQ $2, DX

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

	// Fetch the C tile while the products run: both cache lines a row
	// of 16 floats may touch.
	MOVQ       DI, R8
	PREFETCHT0 (R8)
	PREFETCHT0 63(R8)
	ADDQ       DX, R8
	PREFETCHT0 (R8)
	PREFETCHT0 63(R8)
	ADDQ       DX, R8
	PREFETCHT0 (R8)
	PREFETCHT0 63(R8)
	ADDQ       DX, R8
	PREFETCHT0 (R8)
	PREFETCHT0 63(R8)
	ADDQ       DX, R8
	PREFETCHT0 (R8)
	PREFETCHT0 63(R8)
	ADDQ       DX, R8
	PREFETCHT0 (R8)
	PREFETCHT0 63(R8)

	MOVQ CX, R9
	SHRQ $2, R9
	ANDQ $3, CX
	TESTQ R9, R9
	JZ   tail

loop4:
	STEP
	STEP
	PREFETCHT0 (BX)(SI*8) // the B row 8 steps ahead
	STEP
	STEP
	DECQ R9
	JNZ  loop4

tail:
	TESTQ CX, CX
	JZ    done

loop1:
	STEP
	DECQ CX
	JNZ  loop1

done:
	VBROADCASTSS alpha+64(FP), Y12
	VMULPS       Y12, Y0, Y0
	VMULPS       Y12, Y1, Y1
	VMULPS       Y12, Y2, Y2
	VMULPS       Y12, Y3, Y3
	VMULPS       Y12, Y4, Y4
	VMULPS       Y12, Y5, Y5
	VMULPS       Y12, Y6, Y6
	VMULPS       Y12, Y7, Y7
	VMULPS       Y12, Y8, Y8
	VMULPS       Y12, Y9, Y9
	VMULPS       Y12, Y10, Y10
	VMULPS       Y12, Y11, Y11

	// beta == 0 (either sign) must not read C, which may hold NaN.
	MOVL beta+68(FP), R10
	SHLL $1, R10
	JZ   store

	VBROADCASTSS beta+68(FP), Y13
	ROWBETA(Y0, Y1)
	ROWBETA(Y2, Y3)
	ROWBETA(Y4, Y5)
	ROWBETA(Y6, Y7)
	ROWBETA(Y8, Y9)
	ROWBETA(Y10, Y11)
	VZEROUPPER
	RET

store:
	ROWSTORE(Y0, Y1)
	ROWSTORE(Y2, Y3)
	ROWSTORE(Y4, Y5)
	ROWSTORE(Y6, Y7)
	ROWSTORE(Y8, Y9)
	ROWSTORE(Y10, Y11)
	VZEROUPPER
	RET

// One k step of the 12x8 kernel: the first 8 floats of the B row (Y12)
// times twelve broadcast A elements, rows 0-5 from AX/R12 and rows 6-11
// from R14/R15 (each pointer covers three rows, R11 bytes apart).
#define STEP8(bo) \
	VMOVUPS      bo(BX), Y12          \
	VBROADCASTSS (AX), Y13            \
	VBROADCASTSS (AX)(R11*1), Y14     \
	VBROADCASTSS (AX)(R11*2), Y15     \
	VFMADD231PS  Y12, Y13, Y0         \
	VFMADD231PS  Y12, Y14, Y1         \
	VFMADD231PS  Y12, Y15, Y2         \
	VBROADCASTSS (R12), Y13           \
	VBROADCASTSS (R12)(R11*1), Y14    \
	VBROADCASTSS (R12)(R11*2), Y15    \
	VFMADD231PS  Y12, Y13, Y3         \
	VFMADD231PS  Y12, Y14, Y4         \
	VFMADD231PS  Y12, Y15, Y5         \
	VBROADCASTSS (R14), Y13           \
	VBROADCASTSS (R14)(R11*1), Y14    \
	VBROADCASTSS (R14)(R11*2), Y15    \
	VFMADD231PS  Y12, Y13, Y6         \
	VFMADD231PS  Y12, Y14, Y7         \
	VFMADD231PS  Y12, Y15, Y8         \
	VBROADCASTSS (R15), Y13           \
	VBROADCASTSS (R15)(R11*1), Y14    \
	VBROADCASTSS (R15)(R11*2), Y15    \
	ADDQ         R13, AX              \
	ADDQ         R13, R12             \
	ADDQ         R13, R14             \
	ADDQ         R13, R15             \
	VFMADD231PS  Y12, Y13, Y9         \
	VFMADD231PS  Y12, Y14, Y10        \
	VFMADD231PS  Y12, Y15, Y11

// func kernel12x8AVX2(k int, a0, a1 *float32, rsa, csa int, b *float32, c *float32, alpha float32)
//
// c[i*8+j] = alpha * sum_p A(i, p) * b[p*16+j] for i < 12, j < 8: the
// narrow-edge kernel, for the last B sliver when it has at most 8 valid
// columns, two A slivers (a0: rows 0-5, a1: rows 6-11) at a time. It
// writes a contiguous 12x8 tile that the caller merges into C.
TEXT ·kernel12x8AVX2(SB), NOSPLIT, $0-60
	MOVQ k+0(FP), CX
	MOVQ a0+8(FP), AX
	MOVQ a1+16(FP), R14
	MOVQ rsa+24(FP), R11
	SHLQ $2, R11
	MOVQ csa+32(FP), R13
	SHLQ $2, R13
	LEAQ (AX)(R11*2), R12
	ADDQ R11, R12
	LEAQ (R14)(R11*2), R15
	ADDQ R11, R15
	MOVQ b+40(FP), BX
	MOVQ c+48(FP), DI

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

	MOVQ  CX, R9
	SHRQ  $2, R9
	ANDQ  $3, CX
	TESTQ R9, R9
	JZ    tail8

loop8x4:
	STEP8(0)
	STEP8(64)
	STEP8(128)
	STEP8(192)
	ADDQ $256, BX
	DECQ R9
	JNZ  loop8x4

tail8:
	TESTQ CX, CX
	JZ    done8

loop8x1:
	STEP8(0)
	ADDQ $64, BX
	DECQ CX
	JNZ  loop8x1

done8:
	VBROADCASTSS alpha+56(FP), Y12
	VMULPS       Y12, Y0, Y0
	VMULPS       Y12, Y1, Y1
	VMULPS       Y12, Y2, Y2
	VMULPS       Y12, Y3, Y3
	VMULPS       Y12, Y4, Y4
	VMULPS       Y12, Y5, Y5
	VMULPS       Y12, Y6, Y6
	VMULPS       Y12, Y7, Y7
	VMULPS       Y12, Y8, Y8
	VMULPS       Y12, Y9, Y9
	VMULPS       Y12, Y10, Y10
	VMULPS       Y12, Y11, Y11
	VMOVUPS      Y0, (DI)
	VMOVUPS      Y1, 32(DI)
	VMOVUPS      Y2, 64(DI)
	VMOVUPS      Y3, 96(DI)
	VMOVUPS      Y4, 128(DI)
	VMOVUPS      Y5, 160(DI)
	VMOVUPS      Y6, 192(DI)
	VMOVUPS      Y7, 224(DI)
	VMOVUPS      Y8, 256(DI)
	VMOVUPS      Y9, 288(DI)
	VMOVUPS      Y10, 320(DI)
	VMOVUPS      Y11, 352(DI)
	VZEROUPPER
	RET

// func packB16AVX(k int, src *float32, ldb int, dst *float32)
//
// Copies k rows of 16 floats, ldb floats apart, to dst contiguously.
TEXT ·packB16AVX(SB), NOSPLIT, $0-32
	MOVQ k+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ldb+16(FP), DX
	SHLQ $2, DX
	MOVQ dst+24(FP), DI
	MOVQ CX, R9
	SHRQ $1, R9
	ANDQ $1, CX
	TESTQ R9, R9
	JZ   packtail

pack2:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS (SI)(DX*1), Y2
	VMOVUPS 32(SI)(DX*1), Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	LEAQ    (SI)(DX*2), SI
	ADDQ    $128, DI
	DECQ    R9
	JNZ     pack2

packtail:
	TESTQ CX, CX
	JZ    packdone
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)

packdone:
	VZEROUPPER
	RET

// func packA6AVX(kc, slivers int, src *float32, lda int, dst *float32)
//
// dst[s*kc*6 + p*6 + i] = src[p*lda + s*6 + i] for p < kc, s < slivers,
// i < 6: each sliver gathered down the kc rows, six floats a row (one
// 16-byte and one 8-byte move), and written in order. The rows' cache
// lines stay in L1 for the next two slivers, which read the rest of
// them. kc, slivers >= 1.
TEXT ·packA6AVX(SB), NOSPLIT, $0-40
	MOVQ kc+0(FP), CX
	MOVQ slivers+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ lda+24(FP), DX
	SHLQ $2, DX
	MOVQ dst+32(FP), DI

packAsliver:
	MOVQ SI, R11
	MOVQ CX, R9

packArow:
	VMOVUPS (R11), X0
	MOVQ    16(R11), AX
	VMOVUPS X0, (DI)
	MOVQ    AX, 16(DI)
	ADDQ    DX, R11
	ADDQ    $24, DI
	DECQ    R9
	JNZ     packArow

	ADDQ $24, SI
	DECQ R8
	JNZ  packAsliver
	RET

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET
