//go:build !purego

package nn

import sgemm "github.com/seedling-ml/seedling/nn/gemm"

// useVec selects the AVX2 loops of vec_amd64.s.
var useVec = sgemm.HasAVX2FMA()

// The AVX2 loops of vec.go; n must be a positive multiple of 8 and every
// slice behind a pointer at least n long (the wrappers in vec.go check).
//
//go:noescape
func reluAVX(dst, src *float32, n int)

//go:noescape
func addAVX(dst, a, b *float32, n int)

//go:noescape
func affineAVX(dst, src *float32, n int, scale, shift float32, relu bool)

//go:noescape
func axpyAVX(dst, src *float32, n int, a float32)

//go:noescape
func reluGradAVX(gx, gy, y *float32, n int)

//go:noescape
func sumDevAVX(x *float32, n int, mu float32) (s, ss float32)

//go:noescape
func dotDevAVX(gy, x *float32, n int, mu float32) (sg, sgd float32)

//go:noescape
func axpbyAVX(dst, gy, x *float32, n int, a, b, c float32)

//go:noescape
func max3AVX(dst, a, b, c *float32, n int)

//go:noescape
func evensAVX(dst, src *float32, n int)

//go:noescape
func reluMaskAVX(gx, y *float32, n int)
