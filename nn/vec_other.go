//go:build !amd64 || purego

package nn

// useVec is false: the loops of vec.go run in plain Go, and the compiler
// drops the calls to the assembly names below, which exist only so that
// vec.go compiles in this build.
const useVec = false

func reluAVX(dst, src *float32, n int) { panic("nn: no AVX2 in this build") }
func addAVX(dst, a, b *float32, n int) { panic("nn: no AVX2 in this build") }
func affineAVX(dst, src *float32, n int, scale, shift float32, relu bool) {
	panic("nn: no AVX2 in this build")
}
func axpyAVX(dst, src *float32, n int, a float32)             { panic("nn: no AVX2 in this build") }
func reluGradAVX(gx, gy, y *float32, n int)                   { panic("nn: no AVX2 in this build") }
func sumDevAVX(x *float32, n int, mu float32) (s, ss float32) { panic("nn: no AVX2 in this build") }
func dotDevAVX(gy, x *float32, n int, mu float32) (sg, sgd float32) {
	panic("nn: no AVX2 in this build")
}
func axpbyAVX(dst, gy, x *float32, n int, a, b, c float32) { panic("nn: no AVX2 in this build") }
func max3AVX(dst, a, b, c *float32, n int)                 { panic("nn: no AVX2 in this build") }
func evensAVX(dst, src *float32, n int)                    { panic("nn: no AVX2 in this build") }
func reluMaskAVX(gx, y *float32, n int)                    { panic("nn: no AVX2 in this build") }
