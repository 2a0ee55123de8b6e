//go:build !amd64 || purego

package optim

// useVec is false: the updates run in plain Go, and the compiler drops the
// calls to the assembly names below, which exist only so that the package
// compiles in this build.
const useVec = false

func sgdMomentumAVX(w, gr, buf *float32, n int, hasWD int, wd, mom, damp, negLR float32) {
	panic("optim: no AVX in this build")
}

func adamWAVX(w, gr, m, v *float32, n int, decay, b1, omb1, b2, omb2, bc2Sqrt, eps, negStep float32) {
	panic("optim: no AVX in this build")
}
