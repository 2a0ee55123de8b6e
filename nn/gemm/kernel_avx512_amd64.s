//go:build !purego

#include "textflag.h"

// The AVX-512 micro-kernels: a 6-row sliver of A times nv = 2, 3 or 4
// B slivers side by side (a 6x32, 6x48 or 6x64 tile of C), in 6*nv
// 16-float ZMM accumulators (Z0-Z23, row r in Z(r*nv) .. Z(r*nv+nv-1)).
//
// Why so wide: on Intel cores with two 512-bit FMA ports, a 512-bit load
// (a broadcast included) issues at about one per cycle, so a 6x16 tile,
// whose k step loads one B vector and broadcasts six A elements for six
// FMAs, runs at half the FMA peak. A 6x64 step loads four B vectors
// (Z24-Z27) and broadcasts six A elements (into Z28-Z31) for 24 FMAs,
// which leaves the FMA ports the bottleneck; 24 independent chains cover
// their 4-cycle latency.
//
// Registers: AX and R12 point at A rows 0 and 3 of the current column
// (rows 1, 2 and 4, 5 are R11 and 2*R11 bytes further), R13 is the column
// step of A in bytes; BX points at the first B vector of the current row
// and R10 at the fourth (the vectors are R8 bytes apart), SI is the B row
// stride in bytes; DI walks the rows of C, DX bytes apart, and the
// stores end after the first rows rows (CX), so that the last sliver of
// a block, zero-padded to six rows, goes straight to C.

// The prologue shared by the three kernels: arguments to registers.
#define PROLOGUE \
	MOVQ k+0(FP), CX          \
	MOVQ a+8(FP), AX          \
	MOVQ rsa+16(FP), R11      \
	SHLQ $2, R11              \
	MOVQ csa+24(FP), R13      \
	SHLQ $2, R13              \
	LEAQ (AX)(R11*2), R12     \
	ADDQ R11, R12             \
	MOVQ b+32(FP), BX         \
	MOVQ rsb+40(FP), SI       \
	SHLQ $2, SI               \
	MOVQ bs+48(FP), R8        \
	SHLQ $2, R8               \
	LEAQ (BX)(R8*2), R10      \
	ADDQ R8, R10              \
	MOVQ c+56(FP), DI         \
	MOVQ ldc+64(FP), DX       \
	SHLQ $2, DX

// The end of a k step: every pointer to the next row of B, column of A.
#define ADVANCE \
	ADDQ SI, BX   \
	ADDQ SI, R10  \
	ADDQ R13, AX  \
	ADDQ R13, R12

// One row of a k step of the 6x64 kernel: broadcast the A element at
// src into t and add t times the B vectors to the row's accumulators.
#define ROW4(src, t, c0, c1, c2, c3) \
	VBROADCASTSS src, t \
	VFMADD231PS  t, Z24, c0 \
	VFMADD231PS  t, Z25, c1 \
	VFMADD231PS  t, Z26, c2 \
	VFMADD231PS  t, Z27, c3

// One k step of the 6x64 kernel.
#define STEP4 \
	VMOVUPS (BX), Z24 \
	VMOVUPS (BX)(R8*1), Z25 \
	VMOVUPS (BX)(R8*2), Z26 \
	VMOVUPS (R10), Z27 \
	ROW4((AX), Z28, Z0, Z1, Z2, Z3) \
	ROW4((AX)(R11*1), Z29, Z4, Z5, Z6, Z7) \
	ROW4((AX)(R11*2), Z30, Z8, Z9, Z10, Z11) \
	ROW4((R12), Z31, Z12, Z13, Z14, Z15) \
	ROW4((R12)(R11*1), Z28, Z16, Z17, Z18, Z19) \
	ROW4((R12)(R11*2), Z29, Z20, Z21, Z22, Z23) \
	ADVANCE

// func kernel6x64AVX512(k int, a *float32, rsa, csa int, b *float32, rsb, bs int, c *float32, ldc int, alpha, beta float32, rows int)
TEXT ·kernel6x64AVX512(SB), NOSPLIT, $0-88
	PROLOGUE
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

	// Fetch the C tile while the products run.
	MOVQ DI, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 128(R9)
	PREFETCHT0 192(R9)
	PREFETCHT0 255(R9)
	ADDQ DX, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 128(R9)
	PREFETCHT0 192(R9)
	PREFETCHT0 255(R9)
	ADDQ DX, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 128(R9)
	PREFETCHT0 192(R9)
	PREFETCHT0 255(R9)
	ADDQ DX, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 128(R9)
	PREFETCHT0 192(R9)
	PREFETCHT0 255(R9)
	ADDQ DX, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 128(R9)
	PREFETCHT0 192(R9)
	PREFETCHT0 255(R9)
	ADDQ DX, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 128(R9)
	PREFETCHT0 192(R9)
	PREFETCHT0 255(R9)

	MOVQ  CX, R9
	SHRQ  $1, R9
	ANDQ  $1, CX
	TESTQ R9, R9
	JZ    w4tail

	// Packed B (rows 64 bytes apart) streams in through the hardware
	// prefetchers; B read in place has rows too far apart for them, so
	// each row is fetched 8 steps ahead.
	CMPQ  SI, $64
	JEQ   w4loopp

w4loop2:
	STEP4
	PREFETCHT0 0(BX)(SI*8)
	PREFETCHT0 64(BX)(SI*8)
	PREFETCHT0 128(BX)(SI*8)
	PREFETCHT0 192(BX)(SI*8)
	STEP4
	PREFETCHT0 0(BX)(SI*8)
	PREFETCHT0 64(BX)(SI*8)
	PREFETCHT0 128(BX)(SI*8)
	PREFETCHT0 192(BX)(SI*8)
	DECQ R9
	JNZ  w4loop2
	JMP  w4tail

w4loopp:
	STEP4
	STEP4
	DECQ R9
	JNZ  w4loopp

w4tail:
	TESTQ CX, CX
	JZ    w4done
	STEP4

w4done:
	VBROADCASTSS alpha+72(FP), Z30
	VMULPS Z30, Z0, Z0
	VMULPS Z30, Z1, Z1
	VMULPS Z30, Z2, Z2
	VMULPS Z30, Z3, Z3
	VMULPS Z30, Z4, Z4
	VMULPS Z30, Z5, Z5
	VMULPS Z30, Z6, Z6
	VMULPS Z30, Z7, Z7
	VMULPS Z30, Z8, Z8
	VMULPS Z30, Z9, Z9
	VMULPS Z30, Z10, Z10
	VMULPS Z30, Z11, Z11
	VMULPS Z30, Z12, Z12
	VMULPS Z30, Z13, Z13
	VMULPS Z30, Z14, Z14
	VMULPS Z30, Z15, Z15
	VMULPS Z30, Z16, Z16
	VMULPS Z30, Z17, Z17
	VMULPS Z30, Z18, Z18
	VMULPS Z30, Z19, Z19
	VMULPS Z30, Z20, Z20
	VMULPS Z30, Z21, Z21
	VMULPS Z30, Z22, Z22
	VMULPS Z30, Z23, Z23

	// beta == 0 (either sign) must not read C, which may hold NaN.
	MOVQ rows+80(FP), CX
	MOVL beta+76(FP), R9
	SHLL $1, R9
	JZ   w4store
	VBROADCASTSS beta+76(FP), Z31
	VFMADD231PS 0(DI), Z31, Z0
	VMOVUPS     Z0, 0(DI)
	VFMADD231PS 64(DI), Z31, Z1
	VMOVUPS     Z1, 64(DI)
	VFMADD231PS 128(DI), Z31, Z2
	VMOVUPS     Z2, 128(DI)
	VFMADD231PS 192(DI), Z31, Z3
	VMOVUPS     Z3, 192(DI)
	ADDQ        DX, DI
	DECQ CX
	JZ   w4out
	VFMADD231PS 0(DI), Z31, Z4
	VMOVUPS     Z4, 0(DI)
	VFMADD231PS 64(DI), Z31, Z5
	VMOVUPS     Z5, 64(DI)
	VFMADD231PS 128(DI), Z31, Z6
	VMOVUPS     Z6, 128(DI)
	VFMADD231PS 192(DI), Z31, Z7
	VMOVUPS     Z7, 192(DI)
	ADDQ        DX, DI
	DECQ CX
	JZ   w4out
	VFMADD231PS 0(DI), Z31, Z8
	VMOVUPS     Z8, 0(DI)
	VFMADD231PS 64(DI), Z31, Z9
	VMOVUPS     Z9, 64(DI)
	VFMADD231PS 128(DI), Z31, Z10
	VMOVUPS     Z10, 128(DI)
	VFMADD231PS 192(DI), Z31, Z11
	VMOVUPS     Z11, 192(DI)
	ADDQ        DX, DI
	DECQ CX
	JZ   w4out
	VFMADD231PS 0(DI), Z31, Z12
	VMOVUPS     Z12, 0(DI)
	VFMADD231PS 64(DI), Z31, Z13
	VMOVUPS     Z13, 64(DI)
	VFMADD231PS 128(DI), Z31, Z14
	VMOVUPS     Z14, 128(DI)
	VFMADD231PS 192(DI), Z31, Z15
	VMOVUPS     Z15, 192(DI)
	ADDQ        DX, DI
	DECQ CX
	JZ   w4out
	VFMADD231PS 0(DI), Z31, Z16
	VMOVUPS     Z16, 0(DI)
	VFMADD231PS 64(DI), Z31, Z17
	VMOVUPS     Z17, 64(DI)
	VFMADD231PS 128(DI), Z31, Z18
	VMOVUPS     Z18, 128(DI)
	VFMADD231PS 192(DI), Z31, Z19
	VMOVUPS     Z19, 192(DI)
	ADDQ        DX, DI
	DECQ CX
	JZ   w4out
	VFMADD231PS 0(DI), Z31, Z20
	VMOVUPS     Z20, 0(DI)
	VFMADD231PS 64(DI), Z31, Z21
	VMOVUPS     Z21, 64(DI)
	VFMADD231PS 128(DI), Z31, Z22
	VMOVUPS     Z22, 128(DI)
	VFMADD231PS 192(DI), Z31, Z23
	VMOVUPS     Z23, 192(DI)
	VZEROUPPER
	RET

w4store:
	VMOVUPS Z0, 0(DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    DX, DI
	DECQ CX
	JZ   w4out
	VMOVUPS Z4, 0(DI)
	VMOVUPS Z5, 64(DI)
	VMOVUPS Z6, 128(DI)
	VMOVUPS Z7, 192(DI)
	ADDQ    DX, DI
	DECQ CX
	JZ   w4out
	VMOVUPS Z8, 0(DI)
	VMOVUPS Z9, 64(DI)
	VMOVUPS Z10, 128(DI)
	VMOVUPS Z11, 192(DI)
	ADDQ    DX, DI
	DECQ CX
	JZ   w4out
	VMOVUPS Z12, 0(DI)
	VMOVUPS Z13, 64(DI)
	VMOVUPS Z14, 128(DI)
	VMOVUPS Z15, 192(DI)
	ADDQ    DX, DI
	DECQ CX
	JZ   w4out
	VMOVUPS Z16, 0(DI)
	VMOVUPS Z17, 64(DI)
	VMOVUPS Z18, 128(DI)
	VMOVUPS Z19, 192(DI)
	ADDQ    DX, DI
	DECQ CX
	JZ   w4out
	VMOVUPS Z20, 0(DI)
	VMOVUPS Z21, 64(DI)
	VMOVUPS Z22, 128(DI)
	VMOVUPS Z23, 192(DI)
w4out:
	VZEROUPPER
	RET

// One row of a k step of the 6x48 kernel: broadcast the A element at
// src into t and add t times the B vectors to the row's accumulators.
#define ROW3(src, t, c0, c1, c2) \
	VBROADCASTSS src, t \
	VFMADD231PS  t, Z24, c0 \
	VFMADD231PS  t, Z25, c1 \
	VFMADD231PS  t, Z26, c2

// One k step of the 6x48 kernel.
#define STEP3 \
	VMOVUPS (BX), Z24 \
	VMOVUPS (BX)(R8*1), Z25 \
	VMOVUPS (BX)(R8*2), Z26 \
	ROW3((AX), Z28, Z0, Z1, Z2) \
	ROW3((AX)(R11*1), Z29, Z3, Z4, Z5) \
	ROW3((AX)(R11*2), Z30, Z6, Z7, Z8) \
	ROW3((R12), Z31, Z9, Z10, Z11) \
	ROW3((R12)(R11*1), Z28, Z12, Z13, Z14) \
	ROW3((R12)(R11*2), Z29, Z15, Z16, Z17) \
	ADVANCE

// func kernel6x48AVX512(k int, a *float32, rsa, csa int, b *float32, rsb, bs int, c *float32, ldc int, alpha, beta float32, rows int)
TEXT ·kernel6x48AVX512(SB), NOSPLIT, $0-88
	PROLOGUE
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

	// Fetch the C tile while the products run.
	MOVQ DI, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 128(R9)
	PREFETCHT0 191(R9)
	ADDQ DX, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 128(R9)
	PREFETCHT0 191(R9)
	ADDQ DX, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 128(R9)
	PREFETCHT0 191(R9)
	ADDQ DX, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 128(R9)
	PREFETCHT0 191(R9)
	ADDQ DX, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 128(R9)
	PREFETCHT0 191(R9)
	ADDQ DX, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 128(R9)
	PREFETCHT0 191(R9)

	MOVQ  CX, R9
	SHRQ  $1, R9
	ANDQ  $1, CX
	TESTQ R9, R9
	JZ    w3tail

	// Packed B (rows 64 bytes apart) streams in through the hardware
	// prefetchers; B read in place has rows too far apart for them, so
	// each row is fetched 8 steps ahead.
	CMPQ  SI, $64
	JEQ   w3loopp

w3loop2:
	STEP3
	PREFETCHT0 0(BX)(SI*8)
	PREFETCHT0 64(BX)(SI*8)
	PREFETCHT0 128(BX)(SI*8)
	STEP3
	PREFETCHT0 0(BX)(SI*8)
	PREFETCHT0 64(BX)(SI*8)
	PREFETCHT0 128(BX)(SI*8)
	DECQ R9
	JNZ  w3loop2
	JMP  w3tail

w3loopp:
	STEP3
	STEP3
	DECQ R9
	JNZ  w3loopp

w3tail:
	TESTQ CX, CX
	JZ    w3done
	STEP3

w3done:
	VBROADCASTSS alpha+72(FP), Z30
	VMULPS Z30, Z0, Z0
	VMULPS Z30, Z1, Z1
	VMULPS Z30, Z2, Z2
	VMULPS Z30, Z3, Z3
	VMULPS Z30, Z4, Z4
	VMULPS Z30, Z5, Z5
	VMULPS Z30, Z6, Z6
	VMULPS Z30, Z7, Z7
	VMULPS Z30, Z8, Z8
	VMULPS Z30, Z9, Z9
	VMULPS Z30, Z10, Z10
	VMULPS Z30, Z11, Z11
	VMULPS Z30, Z12, Z12
	VMULPS Z30, Z13, Z13
	VMULPS Z30, Z14, Z14
	VMULPS Z30, Z15, Z15
	VMULPS Z30, Z16, Z16
	VMULPS Z30, Z17, Z17

	// beta == 0 (either sign) must not read C, which may hold NaN.
	MOVQ rows+80(FP), CX
	MOVL beta+76(FP), R9
	SHLL $1, R9
	JZ   w3store
	VBROADCASTSS beta+76(FP), Z31
	VFMADD231PS 0(DI), Z31, Z0
	VMOVUPS     Z0, 0(DI)
	VFMADD231PS 64(DI), Z31, Z1
	VMOVUPS     Z1, 64(DI)
	VFMADD231PS 128(DI), Z31, Z2
	VMOVUPS     Z2, 128(DI)
	ADDQ        DX, DI
	DECQ CX
	JZ   w3out
	VFMADD231PS 0(DI), Z31, Z3
	VMOVUPS     Z3, 0(DI)
	VFMADD231PS 64(DI), Z31, Z4
	VMOVUPS     Z4, 64(DI)
	VFMADD231PS 128(DI), Z31, Z5
	VMOVUPS     Z5, 128(DI)
	ADDQ        DX, DI
	DECQ CX
	JZ   w3out
	VFMADD231PS 0(DI), Z31, Z6
	VMOVUPS     Z6, 0(DI)
	VFMADD231PS 64(DI), Z31, Z7
	VMOVUPS     Z7, 64(DI)
	VFMADD231PS 128(DI), Z31, Z8
	VMOVUPS     Z8, 128(DI)
	ADDQ        DX, DI
	DECQ CX
	JZ   w3out
	VFMADD231PS 0(DI), Z31, Z9
	VMOVUPS     Z9, 0(DI)
	VFMADD231PS 64(DI), Z31, Z10
	VMOVUPS     Z10, 64(DI)
	VFMADD231PS 128(DI), Z31, Z11
	VMOVUPS     Z11, 128(DI)
	ADDQ        DX, DI
	DECQ CX
	JZ   w3out
	VFMADD231PS 0(DI), Z31, Z12
	VMOVUPS     Z12, 0(DI)
	VFMADD231PS 64(DI), Z31, Z13
	VMOVUPS     Z13, 64(DI)
	VFMADD231PS 128(DI), Z31, Z14
	VMOVUPS     Z14, 128(DI)
	ADDQ        DX, DI
	DECQ CX
	JZ   w3out
	VFMADD231PS 0(DI), Z31, Z15
	VMOVUPS     Z15, 0(DI)
	VFMADD231PS 64(DI), Z31, Z16
	VMOVUPS     Z16, 64(DI)
	VFMADD231PS 128(DI), Z31, Z17
	VMOVUPS     Z17, 128(DI)
	VZEROUPPER
	RET

w3store:
	VMOVUPS Z0, 0(DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	ADDQ    DX, DI
	DECQ CX
	JZ   w3out
	VMOVUPS Z3, 0(DI)
	VMOVUPS Z4, 64(DI)
	VMOVUPS Z5, 128(DI)
	ADDQ    DX, DI
	DECQ CX
	JZ   w3out
	VMOVUPS Z6, 0(DI)
	VMOVUPS Z7, 64(DI)
	VMOVUPS Z8, 128(DI)
	ADDQ    DX, DI
	DECQ CX
	JZ   w3out
	VMOVUPS Z9, 0(DI)
	VMOVUPS Z10, 64(DI)
	VMOVUPS Z11, 128(DI)
	ADDQ    DX, DI
	DECQ CX
	JZ   w3out
	VMOVUPS Z12, 0(DI)
	VMOVUPS Z13, 64(DI)
	VMOVUPS Z14, 128(DI)
	ADDQ    DX, DI
	DECQ CX
	JZ   w3out
	VMOVUPS Z15, 0(DI)
	VMOVUPS Z16, 64(DI)
	VMOVUPS Z17, 128(DI)
w3out:
	VZEROUPPER
	RET

// One row of a k step of the 6x32 kernel: broadcast the A element at
// src into t and add t times the B vectors to the row's accumulators.
#define ROW2(src, t, c0, c1) \
	VBROADCASTSS src, t \
	VFMADD231PS  t, Z24, c0 \
	VFMADD231PS  t, Z25, c1

// One k step of the 6x32 kernel.
#define STEP2 \
	VMOVUPS (BX), Z24 \
	VMOVUPS (BX)(R8*1), Z25 \
	ROW2((AX), Z28, Z0, Z1) \
	ROW2((AX)(R11*1), Z29, Z2, Z3) \
	ROW2((AX)(R11*2), Z30, Z4, Z5) \
	ROW2((R12), Z31, Z6, Z7) \
	ROW2((R12)(R11*1), Z28, Z8, Z9) \
	ROW2((R12)(R11*2), Z29, Z10, Z11) \
	ADVANCE

// func kernel6x32AVX512(k int, a *float32, rsa, csa int, b *float32, rsb, bs int, c *float32, ldc int, alpha, beta float32, rows int)
TEXT ·kernel6x32AVX512(SB), NOSPLIT, $0-88
	PROLOGUE
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

	// Fetch the C tile while the products run.
	MOVQ DI, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 127(R9)
	ADDQ DX, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 127(R9)
	ADDQ DX, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 127(R9)
	ADDQ DX, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 127(R9)
	ADDQ DX, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 127(R9)
	ADDQ DX, R9
	PREFETCHT0 0(R9)
	PREFETCHT0 64(R9)
	PREFETCHT0 127(R9)

	MOVQ  CX, R9
	SHRQ  $1, R9
	ANDQ  $1, CX
	TESTQ R9, R9
	JZ    w2tail

	// Packed B (rows 64 bytes apart) streams in through the hardware
	// prefetchers; B read in place has rows too far apart for them, so
	// each row is fetched 8 steps ahead.
	CMPQ  SI, $64
	JEQ   w2loopp

w2loop2:
	STEP2
	PREFETCHT0 0(BX)(SI*8)
	PREFETCHT0 64(BX)(SI*8)
	STEP2
	PREFETCHT0 0(BX)(SI*8)
	PREFETCHT0 64(BX)(SI*8)
	DECQ R9
	JNZ  w2loop2
	JMP  w2tail

w2loopp:
	STEP2
	STEP2
	DECQ R9
	JNZ  w2loopp

w2tail:
	TESTQ CX, CX
	JZ    w2done
	STEP2

w2done:
	VBROADCASTSS alpha+72(FP), Z30
	VMULPS Z30, Z0, Z0
	VMULPS Z30, Z1, Z1
	VMULPS Z30, Z2, Z2
	VMULPS Z30, Z3, Z3
	VMULPS Z30, Z4, Z4
	VMULPS Z30, Z5, Z5
	VMULPS Z30, Z6, Z6
	VMULPS Z30, Z7, Z7
	VMULPS Z30, Z8, Z8
	VMULPS Z30, Z9, Z9
	VMULPS Z30, Z10, Z10
	VMULPS Z30, Z11, Z11

	// beta == 0 (either sign) must not read C, which may hold NaN.
	MOVQ rows+80(FP), CX
	MOVL beta+76(FP), R9
	SHLL $1, R9
	JZ   w2store
	VBROADCASTSS beta+76(FP), Z31
	VFMADD231PS 0(DI), Z31, Z0
	VMOVUPS     Z0, 0(DI)
	VFMADD231PS 64(DI), Z31, Z1
	VMOVUPS     Z1, 64(DI)
	ADDQ        DX, DI
	DECQ CX
	JZ   w2out
	VFMADD231PS 0(DI), Z31, Z2
	VMOVUPS     Z2, 0(DI)
	VFMADD231PS 64(DI), Z31, Z3
	VMOVUPS     Z3, 64(DI)
	ADDQ        DX, DI
	DECQ CX
	JZ   w2out
	VFMADD231PS 0(DI), Z31, Z4
	VMOVUPS     Z4, 0(DI)
	VFMADD231PS 64(DI), Z31, Z5
	VMOVUPS     Z5, 64(DI)
	ADDQ        DX, DI
	DECQ CX
	JZ   w2out
	VFMADD231PS 0(DI), Z31, Z6
	VMOVUPS     Z6, 0(DI)
	VFMADD231PS 64(DI), Z31, Z7
	VMOVUPS     Z7, 64(DI)
	ADDQ        DX, DI
	DECQ CX
	JZ   w2out
	VFMADD231PS 0(DI), Z31, Z8
	VMOVUPS     Z8, 0(DI)
	VFMADD231PS 64(DI), Z31, Z9
	VMOVUPS     Z9, 64(DI)
	ADDQ        DX, DI
	DECQ CX
	JZ   w2out
	VFMADD231PS 0(DI), Z31, Z10
	VMOVUPS     Z10, 0(DI)
	VFMADD231PS 64(DI), Z31, Z11
	VMOVUPS     Z11, 64(DI)
	VZEROUPPER
	RET

w2store:
	VMOVUPS Z0, 0(DI)
	VMOVUPS Z1, 64(DI)
	ADDQ    DX, DI
	DECQ CX
	JZ   w2out
	VMOVUPS Z2, 0(DI)
	VMOVUPS Z3, 64(DI)
	ADDQ    DX, DI
	DECQ CX
	JZ   w2out
	VMOVUPS Z4, 0(DI)
	VMOVUPS Z5, 64(DI)
	ADDQ    DX, DI
	DECQ CX
	JZ   w2out
	VMOVUPS Z6, 0(DI)
	VMOVUPS Z7, 64(DI)
	ADDQ    DX, DI
	DECQ CX
	JZ   w2out
	VMOVUPS Z8, 0(DI)
	VMOVUPS Z9, 64(DI)
	ADDQ    DX, DI
	DECQ CX
	JZ   w2out
	VMOVUPS Z10, 0(DI)
	VMOVUPS Z11, 64(DI)
w2out:
	VZEROUPPER
	RET
