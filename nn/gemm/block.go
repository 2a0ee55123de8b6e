package gemm

// Cache blocking, sized for 32-48 KB of L1D and 1-1.25 MB of L2 per core
// (AMD Zen 4, Intel Ice Lake) and fine for most x86 cores of the last
// decade:
//   - kcMax: the depth of one rank-kc update. A packed B sliver (kc x 16
//     floats, 16 KB at kc = 256) stays in L1 while the kernel sweeps the
//     A slivers of a block past it. The AVX-512 kernels read four slivers
//     at once, 64 KB at kc = 256, and stream them from L2; that measured
//     faster than kc = 128, whose B group fits in L1, on every ResNet
//     shape (fewer passes over C, longer kernel calls; 64x12544x147 on
//     two threads: 234 vs 272 GFLOP/s, 64x3136x576: 235 vs 253).
//   - mcMax: the rows of the packed A block (mc x kc, 384 KB at 384 x 256),
//     which stays in L2 while every column of B streams past it.
//   - ncMax: the columns of B packed at a time (kc x nc, 64 KB), packed just
//     before use so that it is still in L1/L2 when the kernel reads it.
//
// The loops are ordered ic (mc rows of C) > pc (kc of the depth) > pack A
// > jc (nc columns) > pack B > jr (16 columns) > ir (6 rows) > kernel, so
// A is packed once and each packed B block is read from cache. The ResNet
// im2col shapes have few rows (m <= 512) and many columns, so B is packed
// once per call for them.
var (
	kcMax = 256
	mcMax = 384
	ncMax = 64
)

// blockSize splits n into the fewest blocks of at most maxBlock, of near
// equal size rounded up to a multiple of unit, and returns that size.
// Equal blocks avoid a thin last block (k = 260 runs as 2 x 132, not
// 256 + 4).
func blockSize(n, maxBlock, unit int) int {
	if n <= maxBlock {
		return n
	}
	blocks := (n + maxBlock - 1) / maxBlock
	size := (n + blocks - 1) / blocks
	return (size + unit - 1) / unit * unit
}
