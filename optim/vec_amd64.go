//go:build !purego

package optim

import "github.com/seedling-ml/seedling/nn/gemm"

// useVec selects the AVX loops of vec_amd64.s.
var useVec = gemm.HasAVX2FMA()

// sgdMomentumAVX is the momentum update of SGD.update for n (a positive
// multiple of 8) elements; hasWD is 1 to add wd*w to the gradient.
//
//go:noescape
func sgdMomentumAVX(w, gr, buf *float32, n int, hasWD int, wd, mom, damp, negLR float32)

// adamWAVX is the update of Adam.update for AdamW without AMSGrad, for n
// (a positive multiple of 8) elements.
//
//go:noescape
func adamWAVX(w, gr, m, v *float32, n int, decay, b1, omb1, b2, omb2, bc2Sqrt, eps, negStep float32)
