package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	gonumblas "gonum.org/v1/gonum/blas/gonum"
)

// naiveSgemm is the reference: the triple loop in float64.
func naiveSgemm(aTrans, bTrans bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float64, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if aTrans {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if bTrans {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			if beta == 0 {
				c[i*ldc+j] = float64(alpha) * s
			} else {
				c[i*ldc+j] = float64(alpha)*s + float64(beta)*c[i*ldc+j]
			}
		}
	}
}

// gemmCase is one product to check; pad is added to every leading
// dimension so that the operands are strided sub-matrices.
type gemmCase struct {
	m, n, k     int
	tA, tB      bool
	alpha, beta float32
	pad         int
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("%dx%dx%d/tA=%v,tB=%v/alpha=%g,beta=%g/pad=%d", tc.m, tc.n, tc.k, tc.tA, tc.tB, tc.alpha, tc.beta, tc.pad)
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

func randFloats(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.Float64()*2 - 1)
	}
	return s
}

// checkCase runs tc through sgemm with kern and compares with the float64
// reference, element by element, with a bound that grows as sqrt(k).
func checkCase(t *testing.T, kern kernel, tc gemmCase) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(tc.m*7919+tc.n*31+tc.k), uint64(tc.pad+1)))
	ar, ac := tc.m, tc.k
	if tc.tA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.tB {
		br, bc = tc.n, tc.k
	}
	lda, ldb, ldc := ac+tc.pad, bc+tc.pad, tc.n+tc.pad
	a := randFloats(r, max(ar*lda, 1))
	b := randFloats(r, max(br*ldb, 1))
	c := randFloats(r, max(tc.m*ldc, 1))
	want := make([]float64, len(c))
	for i, v := range c {
		want[i] = float64(v)
	}
	if tc.beta == 0 {
		nan := float32(math.NaN())
		for i := range c {
			c[i] = nan // beta == 0 must not read C
		}
	}
	naiveSgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
	sgemm(kern, trans(tc.tA), trans(tc.tB), tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)

	// Each |a*b| <= 1, so the float32 error of a sum of k products is about
	// eps*sqrt(k) in typical cases; 1e-5*sqrt(k) leaves a wide margin.
	tol := 1e-5*math.Sqrt(float64(tc.k)+1)*math.Abs(float64(tc.alpha)) + 1e-6
	var worst float64
	for i := 0; i < tc.m; i++ {
		for j := 0; j < ldc; j++ {
			idx := i*ldc + j
			got := float64(c[idx])
			if j >= tc.n { // padding must be untouched
				if tc.beta == 0 {
					require.True(t, math.IsNaN(got), "%v: padding C[%d][%d] written", tc, i, j)
				} else {
					require.Equal(t, want[idx], got, "%v: padding C[%d][%d] written", tc, i, j)
				}
				continue
			}
			worst = max(worst, math.Abs(got-want[idx])/(1+math.Abs(want[idx])))
			require.InDelta(t, want[idx], got, tol*(1+math.Abs(want[idx])), "%v: C[%d][%d]", tc, i, j)
		}
	}
}

// sizes are 1, small primes, non-multiples of the 6x16 tile and of the
// 8-step unrolling, and sizes across the cache blocks (256, 384, 64).
var sizes = []int{1, 2, 3, 5, 7, 13, 16, 17, 31, 64, 97, 131, 257, 391}

func TestSgemmAgainstNaive(t *testing.T) {
	for _, mode := range []struct {
		name                 string
		inPlace, byCols, dot int
	}{
		{"by-heuristics", 0, 0, 0},
		{"B-packed/row-bands", -1, -1, 0},
		{"B-packed/column-bands", -1, 1, 0},
		{"B-in-place/row-bands", 1, -1, 0},
		{"B-in-place/column-bands", 1, 1, 0},
		{"no-dot-edges/B-packed", -1, 0, -1},
		{"no-dot-edges/B-in-place", 1, 0, -1},
	} {
		t.Run(mode.name, func(t *testing.T) {
			defer func(inPlace, byCols, dot int) { bInPlace, splitMode, dotMode = inPlace, byCols, dot }(bInPlace, splitMode, dotMode)
			bInPlace, splitMode, dotMode = mode.inPlace, mode.byCols, mode.dot
			testSgemmAgainstNaive(t)
		})
	}
}

func testSgemmAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, kern := range kernels() {
		t.Run(kern.name, func(t *testing.T) {
			var cases []gemmCase
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					for _, ab := range [][2]float32{{1, 0}, {1, 1}, {-0.7, 0}, {1.5, -0.5}, {0.3, 1}} {
						for range 8 {
							cases = append(cases, gemmCase{
								m: sizes[r.IntN(len(sizes))], n: sizes[r.IntN(len(sizes))], k: sizes[r.IntN(len(sizes))],
								tA: tA, tB: tB, alpha: ab[0], beta: ab[1], pad: r.IntN(3) * 3,
							})
						}
					}
				}
			}
			// Deep and wide products: several depth blocks, several
			// threads, and both ways of splitting C among them.
			cases = append(cases,
				gemmCase{m: 64, n: 500, k: 1000, alpha: 1, beta: 0},
				gemmCase{m: 301, n: 49, k: 700, tB: true, alpha: 1, beta: 0.5, pad: 1},
				gemmCase{m: 7, n: 13, k: 5003, tA: true, alpha: 1, beta: 1},
				gemmCase{m: 397, n: 211, k: 263, tA: true, tB: true, alpha: 2, beta: 0, pad: 5},
			)
			for _, tc := range cases {
				checkCase(t, kern, tc)
			}
		})
	}
}

// TestKernelsAgree runs every micro-kernel directly, on a packed A sliver
// and on the same sliver read in place from row-major rows, and checks
// that they agree with the generic kernel.
func TestKernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{1, 3, 4, 7, 8, 9, 256} {
		a, b := randFloats(r, k*mr), randFloats(r, k*nr)
		const lda = 300
		rows := make([]float32, (mr-1)*lda+k) // a as 6 rows, lda apart
		for i := 0; i < mr; i++ {
			for p := 0; p < k; p++ {
				rows[i*lda+p] = a[p*mr+i]
			}
		}
		const ldb = nr + 5
		bRows := make([]float32, (k-1)*ldb+nr) // b as k rows, ldb apart
		for p := 0; p < k; p++ {
			copy(bRows[p*ldb:p*ldb+nr], b[p*nr:])
		}
		for _, beta := range []float32{0, 1, -2} {
			const ldc = nr + 3
			c0 := randFloats(r, mr*ldc)
			want := append([]float32(nil), c0...)
			genericKernel(k, a, 1, mr, b, nr, want, ldc, 0.5, beta)
			for _, kern := range kernels() {
				got := append([]float32(nil), c0...)
				kern.fn(k, a, 1, mr, b, nr, got, ldc, 0.5, beta)
				require.InDeltaSlice(t, want, got, 1e-5*float64(k), "kernel %s, packed, k=%d, beta=%g", kern.name, k, beta)
				got = append(got[:0], c0...)
				kern.fn(k, rows, lda, 1, b, nr, got, ldc, 0.5, beta)
				require.InDeltaSlice(t, want, got, 1e-5*float64(k), "kernel %s, A in place, k=%d, beta=%g", kern.name, k, beta)
				got = append(got[:0], c0...)
				kern.fn(k, rows, lda, 1, bRows, ldb, got, ldc, 0.5, beta)
				require.InDeltaSlice(t, want, got, 1e-5*float64(k), "kernel %s, A and B in place, k=%d, beta=%g", kern.name, k, beta)
			}
		}
	}
}

// TestWideKernelsAgree runs every wide kernel on 2 to 4 B slivers, packed
// and read in place, with A packed and in place, against the generic
// kernel on each sliver.
func TestWideKernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, k := range []int{1, 2, 3, 4, 5, 9, 256} {
		const lda, ldb, ldc = 301, maxWide*nr + 7, maxWide*nr + 3
		rows := randFloats(r, (mr-1)*lda+k) // A as 6 rows, lda apart
		packedA := make([]float32, k*mr)
		for i := 0; i < mr; i++ {
			for p := 0; p < k; p++ {
				packedA[p*mr+i] = rows[i*lda+p]
			}
		}
		bRows := randFloats(r, (k-1)*ldb+maxWide*nr) // B in place
		packedB := make([]float32, maxWide*k*nr)     // the same slivers packed
		for v := 0; v < maxWide; v++ {
			for p := 0; p < k; p++ {
				copy(packedB[v*k*nr+p*nr:][:nr], bRows[p*ldb+v*nr:])
			}
		}
		for nv := 2; nv <= maxWide; nv++ {
			for _, beta := range []float32{0, 1, -2} {
				c0 := randFloats(r, mr*ldc)
				want := append([]float32(nil), c0...)
				for v := 0; v < nv; v++ {
					genericKernel(k, rows, lda, 1, bRows[v*nr:], ldb, want[v*nr:], ldc, 0.5, beta)
				}
				for _, kern := range kernels() {
					if kern.wide == nil {
						continue
					}
					for _, in := range []struct {
						name     string
						a        []float32
						rsa, csa int
						b        []float32
						rsb, bs  int
					}{
						{"A and B in place", rows, lda, 1, bRows, ldb, nr},
						{"A packed, B in place", packedA, 1, mr, bRows, ldb, nr},
						{"A in place, B packed", rows, lda, 1, packedB, nr, k * nr},
					} {
						// All six rows, and the first few only: C then
						// ends at an unreadable page after its last row,
						// and the rows past it must not be touched.
						for _, tileRows := range []int{mr, 4, 1} {
							got := guardedFloats(t, (tileRows-1)*ldc+nv*nr)
							copy(got, c0)
							kern.wide(nv, k, in.a, in.rsa, in.csa, in.b, in.rsb, in.bs, got, ldc, 0.5, beta, tileRows)
							require.InDeltaSlice(t, want[:len(got)], got, 1e-5*float64(k), "kernel %s, %s, nv=%d, k=%d, beta=%g, rows=%d", kern.name, in.name, nv, k, beta, tileRows)
						}
					}
				}
			}
		}
	}
}

func TestCopy16(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, k := range []int{1, 2, 3, 8, 33} {
		const ld = 21
		src := randFloats(r, (k-1)*ld+nr)
		want := make([]float32, k*nr)
		for p := 0; p < k; p++ {
			copy(want[p*nr:(p+1)*nr], src[p*ld:])
		}
		for _, kern := range kernels() {
			got := make([]float32, k*nr+1)
			got[k*nr] = 42
			kern.copy16(k, src, ld, got)
			require.Equal(t, want, got[:k*nr], "%s, k=%d", kern.name, k)
			require.Equal(t, float32(42), got[k*nr], "%s wrote past the sliver", kern.name)
		}
	}
}

// TestPackASlivers checks both sliver packers of a transposed A (the
// portable one and the one packA uses on this CPU) against the index
// formula, on operands that end at an unreadable page, so that neither
// reads past the last row nor writes past the last sliver.
func TestPackASlivers(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	packers := map[string]func(dst, a []float32, lda, slivers, kc int){"go": packASliversGo, "in use": packASlivers}
	for _, kc := range []int{1, 2, 7, 64, 256} {
		for _, slivers := range []int{1, 2, 5, 64} {
			lda := slivers*mr + 3
			a := guardedFloats(t, (kc-1)*lda+slivers*mr)
			copy(a, randFloats(r, len(a)))
			for name, pack := range packers {
				dst := guardedFloats(t, slivers*kc*mr)
				pack(dst, a, lda, slivers, kc)
				for s := 0; s < slivers; s++ {
					for p := 0; p < kc; p++ {
						for i := 0; i < mr; i++ {
							require.Equal(t, a[p*lda+s*mr+i], dst[s*kc*mr+p*mr+i], "%s: kc=%d slivers=%d s=%d p=%d i=%d", name, kc, slivers, s, p, i)
						}
					}
				}
			}
		}
	}
}

func TestSgemmSpecialScalars(t *testing.T) {
	nan := float32(math.NaN())
	for _, kern := range kernels() {
		t.Run(kern.name, func(t *testing.T) {
			// alpha == 0: A and B are not read (NaN there stays out of C).
			a := []float32{nan, nan, nan, nan}
			c := []float32{1, 2, 3, 4}
			sgemm(kern, blas.NoTrans, blas.NoTrans, 2, 2, 2, 0, a, 2, a, 2, 2, c, 2)
			require.Equal(t, []float32{2, 4, 6, 8}, c)
			sgemm(kern, blas.NoTrans, blas.NoTrans, 2, 2, 2, 0, a, 2, a, 2, 0, c, 2)
			require.Equal(t, []float32{0, 0, 0, 0}, c)
			// k == 0: C = beta*C.
			c = []float32{1, 2, 3, 4}
			sgemm(kern, blas.NoTrans, blas.NoTrans, 2, 2, 0, 1, []float32{nan, nan}, 1, nil, 2, -1, c, 2)
			require.Equal(t, []float32{-1, -2, -3, -4}, c)
			// Hand-computed 2x3 * 3x2.
			a = []float32{1, 2, 3, 4, 5, 6}
			b := []float32{7, 8, 9, 10, 11, 12}
			c = []float32{nan, nan, nan, nan}
			sgemm(kern, blas.NoTrans, blas.NoTrans, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
			require.Equal(t, []float32{58, 64, 139, 154}, c)
		})
	}
}

// TestSgemmPanicsLikeGonum checks that bad arguments panic with gonum's
// message, in gonum's order.
func TestSgemmPanicsLikeGonum(t *testing.T) {
	s := make([]float32, 100)
	n, tr := blas.NoTrans, blas.Trans
	tests := []struct {
		name          string
		tA, tB        blas.Transpose
		m, n, k       int
		a, b, c       []float32
		lda, ldb, ldc int
	}{
		{"badTransA", 'X', n, 2, 2, 2, s, s, s, 2, 2, 2},
		{"badTransB", n, 'X', 2, 2, 2, s, s, s, 2, 2, 2},
		{"mLT0", n, n, -1, 2, 2, s, s, s, 2, 2, 2},
		{"nLT0", n, n, 2, -1, 2, s, s, s, 2, 2, 2},
		{"kLT0", n, n, 2, 2, -1, s, s, s, 2, 2, 2},
		{"badLdA", n, n, 2, 2, 3, s, s, s, 2, 2, 2},
		{"badLdATrans", tr, n, 3, 2, 2, s, s, s, 2, 2, 2},
		{"badLdB", n, n, 2, 3, 2, s, s, s, 2, 2, 3},
		{"badLdBTrans", n, tr, 2, 2, 3, s, s, s, 3, 2, 2},
		{"badLdC", n, n, 2, 3, 2, s, s, s, 2, 3, 2},
		{"shortA", n, n, 4, 2, 3, s[:5], s, s, 3, 2, 2},
		{"shortB", n, tr, 2, 4, 3, s, s[:5], s, 3, 3, 4},
		{"shortC", n, n, 3, 3, 2, s, s, s[:7], 2, 3, 3},
		{"emptyIsFine", n, n, 0, 3, 2, nil, nil, nil, 2, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call := func(impl blas.Float32) func() {
				return func() {
					impl.Sgemm(tt.tA, tt.tB, tt.m, tt.n, tt.k, 1, tt.a, tt.lda, tt.b, tt.ldb, 0, append([]float32(nil), tt.c...), tt.ldc)
				}
			}
			want := recoverString(call(gonumblas.Implementation{}))
			got := recoverString(call(Implementation{}))
			require.Equal(t, want, got)
			if tt.name != "emptyIsFine" {
				require.NotEmpty(t, got, "expected a panic")
			}
		})
	}
}

func recoverString(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestSgemmNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	r := rand.New(rand.NewPCG(5, 6))
	const m, n, k = 128, 784, 64 // large enough to run on every thread
	a, b, c := randFloats(r, m*k), randFloats(r, k*n), make([]float32, m*n)
	impl := Implementation{}
	impl.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, c, n) // warm the pools
	allocs := testing.AllocsPerRun(20, func() {
		impl.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, c, n)
	})
	require.Zero(t, allocs)
}

func TestUseWithBlas32(t *testing.T) {
	old := blas32.Implementation()
	defer blas32.Use(old)
	blas32.Use(Implementation{})
	a := blas32.General{Rows: 2, Cols: 3, Stride: 3, Data: []float32{1, 2, 3, 4, 5, 6}}
	b := blas32.General{Rows: 3, Cols: 2, Stride: 2, Data: []float32{7, 8, 9, 10, 11, 12}}
	c := blas32.General{Rows: 2, Cols: 2, Stride: 2, Data: make([]float32, 4)}
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, a, b, 0, c)
	require.Equal(t, []float32{58, 64, 139, 154}, c.Data)
}

func TestBlockSize(t *testing.T) {
	tests := []struct{ n, max, unit, want int }{
		{100, 256, 8, 100},
		{256, 256, 8, 256},
		{260, 256, 8, 136},
		{576, 256, 8, 192},
		{4608, 256, 8, 256},
		{1000, 384, 6, 336},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, blockSize(tt.n, tt.max, tt.unit), "%+v", tt)
	}
}

// SgemmSerial computes what the threaded Sgemm does, on one goroutine,
// including its argument checks.
func TestSgemmSerial(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		m, n, k  int
		tA, tB   bool
		alpha, b float32
	}{
		{1, 1, 1, false, false, 1, 0},
		{64, 500, 300, false, false, 1, 0},
		{37, 129, 77, true, false, 0.5, 1},
		{130, 61, 260, false, true, 1, -0.5},
		{7, 13, 5, true, true, 2, 0},
	} {
		ta, tb := blas.NoTrans, blas.NoTrans
		lda, ldb := tc.k, tc.n
		if tc.tA {
			ta, lda = blas.Trans, tc.m
		}
		if tc.tB {
			tb, ldb = blas.Trans, tc.k
		}
		a, b := randFloats(r, tc.m*tc.k), randFloats(r, tc.k*tc.n)
		c0 := randFloats(r, tc.m*tc.n)
		want, got := append([]float32(nil), c0...), append([]float32(nil), c0...)
		Implementation{}.Sgemm(ta, tb, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.b, want, tc.n)
		SgemmSerial(ta, tb, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.b, got, tc.n)
		for i := range want {
			require.InDelta(t, want[i], got[i], 1e-5*(1+math.Abs(float64(want[i]))), "%+v: C[%d]", tc, i)
		}
	}
	require.PanicsWithValue(t, shortC, func() {
		SgemmSerial(blas.NoTrans, blas.NoTrans, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
	})
}

// TestDotKernelsAgree checks every dot-product edge kernel against a
// float64 sum on operands that end at an unreadable page: depths that are
// not a multiple of the vector width must not read past A's last row or
// B's last column, nor rows past rows or columns past e; C outside its
// rows x e corner must stay as it was, and with beta = 0 its NaNs must not
// leak into the result.
func TestDotKernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	nan := float32(math.NaN())
	for _, k := range []int{1, 3, 15, 16, 17, 31, 32, 120, 128, 255} {
		for rows := 1; rows <= mr; rows++ {
			for e := 1; e <= maxDot; e++ {
				const lda, ldc = 37, 7
				a := guardedFloats(t, (rows-1)*lda+k)
				copy(a, randFloats(r, len(a)))
				b := guardedFloats(t, e*k)
				copy(b, randFloats(r, len(b)))
				c0 := randFloats(r, (rows-1)*ldc+e)
				for _, beta := range []float32{0, 1, -2} {
					for _, kern := range kernels() {
						if kern.dot == nil {
							continue
						}
						c := guardedFloats(t, len(c0))
						copy(c, c0)
						if beta == 0 {
							for i := 0; i < rows; i++ {
								for j := 0; j < e; j++ {
									c[i*ldc+j] = nan
								}
							}
						}
						kern.dot(e, k, a, lda, rows, b, c, ldc, -0.5, beta)
						for i, got := range c {
							row, col := i/ldc, i%ldc
							want := float64(c0[i])
							if col < e {
								var sum float64
								for p := 0; p < k; p++ {
									sum += float64(a[row*lda+p]) * float64(b[col*k+p])
								}
								want = -0.5*sum + float64(beta)*want
							}
							require.InDelta(t, want, got, 1e-5*float64(k),
								"kernel %s, k=%d, rows=%d, e=%d, beta=%g, C element (%d, %d)", kern.name, k, rows, e, beta, row, col)
						}
					}
				}
			}
		}
	}
}

// TestColumnStride checks that the padded stride is never shorter than
// the row, pads by less than two cache lines, leaves narrow and already
// suitable rows alone, and is always one the kernels read in place.
func TestColumnStride(t *testing.T) {
	wide := defaultKernel.wide != nil
	for n := 1; n <= 5000; n++ {
		ld := ColumnStride(n)
		require.GreaterOrEqual(t, ld, n)
		require.Less(t, ld, n+2*lineFloats, "n=%d", n)
		switch {
		case n < 4*nr:
			require.Equal(t, n, ld, "narrow n=%d", n)
		case strideSpreads(n, wide):
			require.Equal(t, n, ld, "n=%d already suits", n)
		default:
			require.True(t, strideSpreads(ld, wide), "n=%d: stride %d", n, ld)
			p := problem{kern: defaultKernel, m: 256, n: n, k: 2304, ldb: ld}
			require.True(t, p.readsBInPlace(), "n=%d: stride %d", n, ld)
		}
	}
	for _, tc := range []struct{ n, want int }{{49, 49}, {196, 208}, {392, 400}, {784, 784}} {
		require.Equal(t, tc.want, ColumnStride(tc.n), "n=%d", tc.n)
	}
}

// TestOffGridSpreads checks the set spread of row strides off the line
// grid: even spreads pass, strides one float past a multiple of the L1's
// 64 lines crowd their rows into a few sets.
func TestOffGridSpreads(t *testing.T) {
	for _, tc := range []struct {
		ldb  int
		want bool
	}{
		{49, true}, {196, true}, {3137, true}, {100, true},
		{1025, false}, {2047, false}, {4097, false},
	} {
		require.Equal(t, tc.want, offGridSpreads(tc.ldb), "ldb=%d", tc.ldb)
	}
}
