//go:build !purego

#include "textflag.h"

// The AVX-512 dot-product edge kernels: the last 1-4 columns of a block
// of C as dot products along the depth, 16 depth steps per vector, with
// the rows of A read in place and each edge column of B packed
// contiguously (see dotKernel in kernel.go).
//
// Why: a block whose width is a few columns past a multiple of 16 (N = 49
// or 196 in ResNet's deep layers) would otherwise spend a whole 16-column
// tile, or half of one, on those columns. A dot product loads six A
// vectors and one to four B vectors for 6 to 24 FMAs, all at full width,
// and then reduces each accumulator across its lanes once per call.
//
// They use EVEX forms of XMM and YMM instructions (X16-X31, masked XMM
// loads and stores), so they need AVX512VL besides AVX512F; the driver
// only uses them when the CPU has it (hasAVX512VL).
//
// Registers: AX, BX, CX, DX, SI, R8 point at the six rows of A (rows
// past the last valid one repeat it, so that nothing outside A is read);
// R9, R10, R11, R13 at the four B columns (columns past e repeat the last
// one); DI is the byte offset along the depth, R12 counts 16-step blocks;
// K1 masks the k%16 steps of the tail.

// func dot6x4AVX512(e, k int, a *float32, rsa, rows int, b *float32, c *float32, ldc int, alpha, beta float32)
// func dot6x1AVX512(e, k int, a *float32, rsa, rows int, b *float32, c *float32, ldc int, alpha, beta float32)

// ptr = base + min(i, last)*stride, with tmp clobbered.
#define CLAMPED(i, last, stride, base, ptr) \
	MOVQ    $i, ptr        \
	CMPQ    ptr, last      \
	CMOVQGT last, ptr      \
	IMULQ   stride, ptr    \
	ADDQ    base, ptr

// Arguments to registers: the tail mask, the six row pointers, the four
// column pointers, the offset and the block count.
#define DOT_PROLOGUE \
	MOVQ  k+8(FP), CX           \
	ANDQ  $15, CX               \
	MOVL  $1, R13               \
	SHLL  CX, R13               \
	DECL  R13                   \
	KMOVW R13, K1               \
	MOVQ  rsa+24(FP), R11       \
	SHLQ  $2, R11               \
	MOVQ  rows+32(FP), R12      \
	DECQ  R12                   \
	MOVQ  a+16(FP), AX          \
	CLAMPED(1, R12, R11, AX, BX) \
	CLAMPED(2, R12, R11, AX, CX) \
	CLAMPED(3, R12, R11, AX, DX) \
	CLAMPED(4, R12, R11, AX, SI) \
	CLAMPED(5, R12, R11, AX, R8) \
	MOVQ  k+8(FP), DI           \
	SHLQ  $2, DI                \
	MOVQ  e+0(FP), R12          \
	DECQ  R12                   \
	MOVQ  b+40(FP), R9          \
	CLAMPED(1, R12, DI, R9, R10) \
	CLAMPED(2, R12, DI, R9, R11) \
	CLAMPED(3, R12, DI, R9, R13) \
	XORQ  DI, DI                \
	MOVQ  k+8(FP), R12          \
	SHRQ  $4, R12

// One row of a 16-step block of the 4-column kernel: load 16 elements of
// the A row at src and add their products with the four B vectors.
#define ROWDOT4(load, c0, c1, c2, c3) \
	load \
	VFMADD231PS Z28, Z24, c0 \
	VFMADD231PS Z28, Z25, c1 \
	VFMADD231PS Z28, Z26, c2 \
	VFMADD231PS Z28, Z27, c3

#define LD(src) VMOVUPS src, Z28
#define LDM(src) VMOVUPS.Z src, K1, Z28

// Sum the lanes of za..zd (with low halves ya..yd) into X0 = [sum za,
// sum zb, sum zc, sum zd], using Y0-Y3 (free by then) and Y28-Y30.
#define REDUCE4(za, zb, zc, zd, ya, yb, yc, yd) \
	VEXTRACTF64X4 $1, za, Y28 \
	VADDPS        Y28, ya, Y0 \
	VEXTRACTF64X4 $1, zb, Y29 \
	VADDPS        Y29, yb, Y1 \
	VEXTRACTF64X4 $1, zc, Y30 \
	VADDPS        Y30, yc, Y2 \
	VEXTRACTF64X4 $1, zd, Y28 \
	VADDPS        Y28, yd, Y3 \
	VHADDPS       Y1, Y0, Y0  \
	VHADDPS       Y3, Y2, Y2  \
	VHADDPS       Y2, Y0, Y0  \
	VEXTRACTF128  $1, Y0, X1  \
	VADDPS        X1, X0, X0  \
	VMULPS        X31, X0, X0

// One row of C of the 4-column kernel: the sums of za..zd times alpha,
// with beta (X27) times the row added, into the e columns masked by K2 of the
// row at DI; then DI moves to the next row, and the kernel ends after
// the last valid one.
#define ROWOUT4B(za, zb, zc, zd, ya, yb, yc, yd) \
	REDUCE4(za, zb, zc, zd, ya, yb, yc, yd) \
	VMOVUPS.Z   (DI), K2, X1 \
	VFMADD231PS X1, X27, X0 \
	VMOVUPS     X0, K2, (DI) \
	ADDQ        DX, DI \
	DECQ        R12 \
	JZ          d4done

// ROWOUT4B for beta == 0: C is only written.
#define ROWOUT4(za, zb, zc, zd, ya, yb, yc, yd) \
	REDUCE4(za, zb, zc, zd, ya, yb, yc, yd) \
	VMOVUPS     X0, K2, (DI) \
	ADDQ        DX, DI \
	DECQ        R12 \
	JZ          d4done

TEXT ·dot6x4AVX512(SB), NOSPLIT, $0-72
	DOT_PROLOGUE
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	TESTQ  R12, R12
	JZ     d4tail

d4loop:
	VMOVUPS (R9)(DI*1), Z24
	VMOVUPS (R10)(DI*1), Z25
	VMOVUPS (R11)(DI*1), Z26
	VMOVUPS (R13)(DI*1), Z27
	ROWDOT4(LD((AX)(DI*1)), Z0, Z1, Z2, Z3)
	ROWDOT4(LD((BX)(DI*1)), Z4, Z5, Z6, Z7)
	ROWDOT4(LD((CX)(DI*1)), Z8, Z9, Z10, Z11)
	ROWDOT4(LD((DX)(DI*1)), Z12, Z13, Z14, Z15)
	ROWDOT4(LD((SI)(DI*1)), Z16, Z17, Z18, Z19)
	ROWDOT4(LD((R8)(DI*1)), Z20, Z21, Z22, Z23)
	ADDQ    $64, DI
	DECQ    R12
	JNZ     d4loop

d4tail:
	KORTESTW K1, K1
	JZ       d4reduce
	VMOVUPS.Z (R9)(DI*1), K1, Z24
	VMOVUPS.Z (R10)(DI*1), K1, Z25
	VMOVUPS.Z (R11)(DI*1), K1, Z26
	VMOVUPS.Z (R13)(DI*1), K1, Z27
	ROWDOT4(LDM((AX)(DI*1)), Z0, Z1, Z2, Z3)
	ROWDOT4(LDM((BX)(DI*1)), Z4, Z5, Z6, Z7)
	ROWDOT4(LDM((CX)(DI*1)), Z8, Z9, Z10, Z11)
	ROWDOT4(LDM((DX)(DI*1)), Z12, Z13, Z14, Z15)
	ROWDOT4(LDM((SI)(DI*1)), Z16, Z17, Z18, Z19)
	ROWDOT4(LDM((R8)(DI*1)), Z20, Z21, Z22, Z23)

d4reduce:
	VBROADCASTSS alpha+64(FP), X31
	MOVQ         e+0(FP), CX
	MOVL         $1, R13
	SHLL         CX, R13
	DECL         R13
	KMOVW        R13, K2
	MOVQ         c+48(FP), DI
	MOVQ         ldc+56(FP), DX
	SHLQ         $2, DX
	MOVQ         rows+32(FP), R12
	// beta == 0 (either sign) must not read C, which may hold NaN.
	MOVL         beta+68(FP), R9
	SHLL         $1, R9
	JZ           d4nobeta
	VBROADCASTSS beta+68(FP), X27
	ROWOUT4B(Z0, Z1, Z2, Z3, Y0, Y1, Y2, Y3)
	ROWOUT4B(Z4, Z5, Z6, Z7, Y4, Y5, Y6, Y7)
	ROWOUT4B(Z8, Z9, Z10, Z11, Y8, Y9, Y10, Y11)
	ROWOUT4B(Z12, Z13, Z14, Z15, Y12, Y13, Y14, Y15)
	ROWOUT4B(Z16, Z17, Z18, Z19, Y16, Y17, Y18, Y19)
	ROWOUT4B(Z20, Z21, Z22, Z23, Y20, Y21, Y22, Y23)
	JMP          d4done

d4nobeta:
	ROWOUT4(Z0, Z1, Z2, Z3, Y0, Y1, Y2, Y3)
	ROWOUT4(Z4, Z5, Z6, Z7, Y4, Y5, Y6, Y7)
	ROWOUT4(Z8, Z9, Z10, Z11, Y8, Y9, Y10, Y11)
	ROWOUT4(Z12, Z13, Z14, Z15, Y12, Y13, Y14, Y15)
	ROWOUT4(Z16, Z17, Z18, Z19, Y16, Y17, Y18, Y19)
	ROWOUT4(Z20, Z21, Z22, Z23, Y20, Y21, Y22, Y23)

d4done:
	VZEROUPPER
	RET

TEXT ·dot6x1AVX512(SB), NOSPLIT, $0-72
	DOT_PROLOGUE
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	TESTQ  R12, R12
	JZ     d1tail

d1loop:
	VMOVUPS     (R9)(DI*1), Z24
	VFMADD231PS (AX)(DI*1), Z24, Z4
	VFMADD231PS (BX)(DI*1), Z24, Z5
	VFMADD231PS (CX)(DI*1), Z24, Z6
	VFMADD231PS (DX)(DI*1), Z24, Z7
	VFMADD231PS (SI)(DI*1), Z24, Z8
	VFMADD231PS (R8)(DI*1), Z24, Z9
	ADDQ        $64, DI
	DECQ        R12
	JNZ         d1loop

d1tail:
	// Merge masking: lanes past k keep their sums, and the masked-off
	// elements are never read.
	KORTESTW    K1, K1
	JZ          d1reduce
	VMOVUPS.Z   (R9)(DI*1), K1, Z24
	VFMADD231PS (AX)(DI*1), Z24, K1, Z4
	VFMADD231PS (BX)(DI*1), Z24, K1, Z5
	VFMADD231PS (CX)(DI*1), Z24, K1, Z6
	VFMADD231PS (DX)(DI*1), Z24, K1, Z7
	VFMADD231PS (SI)(DI*1), Z24, K1, Z8
	VFMADD231PS (R8)(DI*1), Z24, K1, Z9

d1reduce:
	VBROADCASTSS alpha+64(FP), X31
	REDUCE4(Z4, Z5, Z6, Z7, Y4, Y5, Y6, Y7)
	VMOVAPS      X0, X12
	REDUCE4(Z8, Z9, Z8, Z9, Y8, Y9, Y8, Y9)
	VMOVAPS      X0, X13
	// The six rows of C, clamped like those of A.
	MOVQ         c+48(FP), AX
	MOVQ         ldc+56(FP), DX
	SHLQ         $2, DX
	MOVQ         rows+32(FP), R12
	DECQ         R12
	CLAMPED(1, R12, DX, AX, BX)
	CLAMPED(2, R12, DX, AX, CX)
	CLAMPED(3, R12, DX, AX, SI)
	CLAMPED(4, R12, DX, AX, R8)
	CLAMPED(5, R12, DX, AX, R10)
	// beta == 0 (either sign) must not read C, which may hold NaN. All
	// of C is read before any of it is written, so a clamped row read
	// twice gives the same value twice.
	MOVL         beta+68(FP), R9
	SHLL         $1, R9
	JZ           d1store
	VBROADCASTSS beta+68(FP), X30
	VMOVSS       (AX), X1
	VINSERTPS    $0x10, (BX), X1, X1
	VINSERTPS    $0x20, (CX), X1, X1
	VINSERTPS    $0x30, (SI), X1, X1
	VFMADD231PS  X1, X30, X12
	VMOVSS       (R8), X1
	VINSERTPS    $0x10, (R10), X1, X1
	VFMADD231PS  X1, X30, X13

d1store:
	VMOVSS       X12, (AX)
	CMPQ         R12, $0
	JEQ          d1done
	VEXTRACTPS   $1, X12, (BX)
	CMPQ         R12, $1
	JEQ          d1done
	VEXTRACTPS   $2, X12, (CX)
	CMPQ         R12, $2
	JEQ          d1done
	VEXTRACTPS   $3, X12, (SI)
	CMPQ         R12, $3
	JEQ          d1done
	VMOVSS       X13, (R8)
	CMPQ         R12, $4
	JEQ          d1done
	VEXTRACTPS   $1, X13, (R10)

d1done:
	VZEROUPPER
	RET
