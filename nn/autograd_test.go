package nn

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// spy is an op y = a + b + ... (same shapes) whose backward pass records
// that it ran and which input gradients it was asked for.
type spy struct {
	calls  int
	wanted [][]bool // per call, per input: was gx[i] non-nil?
}

func (s *spy) apply(inputs ...*Tensor) *Tensor {
	y := New(inputs[0].Shape...)
	for _, in := range inputs {
		axpy(y.Data, in.Data)
	}
	record(y, "Spy", inputs, func(gy *Tensor, gx []*Tensor) {
		s.calls++
		w := make([]bool, len(gx))
		for i, g := range gx {
			if g != nil {
				w[i] = true
				axpy(g.Data, gy.Data)
			}
		}
		s.wanted = append(s.wanted, w)
	})
	return y
}

func TestAutogradTensorUsedTwiceAccumulates(t *testing.T) {
	tests := []struct {
		name string
		f    func(x *Tensor) *Tensor // a scalar function of x = [1, 2, -3, 4]
		want []float32
	}{
		// d/dx sum(x + x) = 2
		{"Add(x, x)", func(x *Tensor) *Tensor { return Sum(Add(x, x)) }, []float32{2, 2, 2, 2}},
		// d/dx sum(x * x) = 2x
		{"Mul(x, x)", func(x *Tensor) *Tensor { return Sum(Mul(x, x)) }, []float32{2, 4, -6, 8}},
		// d/dx sum(2x + 3x) = 5
		{"two branches", func(x *Tensor) *Tensor { return Sum(Add(Scale(x, 2), Scale(x, 3))) }, []float32{5, 5, 5, 5}},
		// h = 2x, y = sum(h * 3h) = 3 sum(h^2): dy/dh = 6h = 12x, dy/dx = 24x
		{"diamond through an intermediate", func(x *Tensor) *Tensor {
			h := Scale(x, 2)
			return Sum(Mul(h, Scale(h, 3)))
		}, []float32{24, 48, -72, 96}},
		// X = [[1,2],[-3,4]], y = sum(X X^T): dy/dX[i][j] = 2 * sum_k X[k][j]
		// column sums (-2, 6), so the gradient is [[-4, 12], [-4, 12]]
		{"Linear(x, x)", func(x *Tensor) *Tensor {
			m := x.Reshape(2, 2)
			return Sum(Linear(m, m, nil))
		}, []float32{-4, 12, -4, 12}},
		// ReLU and Add hand their gradient buffer on (handOn): to the first
		// input, a copy to the second, added where one has started.
		// d/dx sum(relu(x) + x) = [x > 0] + 1
		{"ReLU(x) + x", func(x *Tensor) *Tensor { return Sum(Add(ReLU(x), x)) }, []float32{2, 2, 1, 2}},
		// r = relu(x), d/dx sum(r + r) = 2 [x > 0]
		{"Add(r, r) of a ReLU", func(x *Tensor) *Tensor { r := ReLU(x); return Sum(Add(r, r)) }, []float32{2, 2, 0, 2}},
		// d/dx sum(3 relu(x + x)) = 6 [x > 0]
		{"ReLU of Add(x, x)", func(x *Tensor) *Tensor { return Sum(Scale(ReLU(Add(x, x)), 3)) }, []float32{6, 6, 0, 6}},
		// The in-place forms on data they may overwrite (an Add's output,
		// then AddInPlace's): d/dx sum(relu((x + x) + x)) = 3 [x > 0]
		{"in-place ReLU and Add", func(x *Tensor) *Tensor {
			s := Add(x, x)
			require.True(t, overwritable(s))
			h := AddInPlace(s, x)
			require.Same(t, &s.Data[0], &h.Data[0], "AddInPlace wrote into s")
			r := ReLUInPlace(h)
			require.Same(t, &s.Data[0], &r.Data[0], "ReLUInPlace wrote into h")
			return Sum(r)
		}, []float32{3, 3, 0, 3}},
		// x feeds a Reshape view and the original: sum(x) + sum(reshape(x)) -> 2
		{"view and original", func(x *Tensor) *Tensor { return Add(Sum(x), Sum(x.Reshape(2, 2))) }, []float32{2, 2, 2, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := FromData([]float32{1, 2, -3, 4}, 4).RequiresGrad()
			tt.f(x).Backward()
			require.NotNil(t, x.Grad)
			assert.Equal(t, tt.want, x.Grad.Data, "Backward")
			x2 := FromData([]float32{1, 2, -3, 4}, 4).RequiresGrad()
			assert.Equal(t, tt.want, Grad(tt.f(x2), nil, x2)[0].Data, "Grad")
		})
	}
}

func TestAutogradBackwardAccumulatesAcrossCalls(t *testing.T) {
	x := FromData([]float32{1, -2, 3}, 3).RequiresGrad()
	w := NewParameter([]float32{0.5, 2, -1}, 3)
	// y = sum(x*x*w): dy/dx = 2xw = [1, -8, -6], dy/dw = x^2 = [1, 4, 9]
	y := Sum(Mul(Mul(x, x), w))
	y.Backward()
	assert.Equal(t, []float32{1, -8, -6}, x.Grad.Data)
	assert.Equal(t, []float32{1, 4, 9}, w.Grad.Data)

	y.Backward() // the same graph again
	assert.Equal(t, []float32{2, -16, -12}, x.Grad.Data)
	assert.Equal(t, []float32{2, 8, 18}, w.Grad.Data)

	Sum(Mul(Mul(x, x), w)).Backward() // a new graph over the same leaves
	assert.Equal(t, []float32{3, -24, -18}, x.Grad.Data)
	assert.Equal(t, []float32{3, 12, 27}, w.Grad.Data)

	// BackwardWith scales by the upstream gradient and accumulates too.
	z := Mul(x, w) // dz/dx = w, dz/dw = x
	z.BackwardWith(FromData([]float32{1, 1, 2}, 3))
	assert.Equal(t, []float32{3.5, -22, -20}, x.Grad.Data)
	assert.Equal(t, []float32{4, 10, 33}, w.Grad.Data)
}

func TestGradLeavesParametersAlone(t *testing.T) {
	x := FromData([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3)
	w := NewParameter([]float32{1, 0, 0, -1}, 1, 1, 2, 2)
	b := NewParameter([]float32{0.5}, 1)
	old := FromData([]float32{7, 7, 7, 7}, 1, 1, 2, 2)
	w.Grad = old.Clone() // a gradient from an earlier step must survive Grad
	xt := Track(x)

	// A parameter-only branch that is tracked (requires grad explicitly):
	// Grad w.r.t. the input must not run its backward.
	p := NewParameter([]float32{1, 1, 1, 1}, 1, 1, 2, 2).RequiresGrad()
	var branch, mixed spy
	y := Sum(Add(mixed.apply(Conv2d(xt, w, b, ConvConfig{}), w), branch.apply(p)))

	gx := Grad(y, nil, xt)
	require.Len(t, gx, 1)
	// y = sum(conv(x, w)) + ...: dy/dx[i,j] = sum of the kernel taps that
	// touch (i,j); with w = [[1,0],[0,-1]] that is 1 at (0,0), -1 at (2,2),
	// and 1 - 1 = 0 where both taps reach.
	assert.Equal(t, []float32{1, 1, 0, 1, 0, -1, 0, -1, -1}, gx[0].Data)
	assert.Equal(t, old.Data, w.Grad.Data, "Grad must not touch a parameter's Grad")
	assert.Nil(t, b.Grad, "Grad must not write a parameter's Grad")
	assert.Nil(t, p.Grad)
	assert.Nil(t, xt.Grad)
	assert.Equal(t, 0, branch.calls, "the parameter-only branch must not be differentiated")
	require.Equal(t, 1, mixed.calls)
	assert.Equal(t, []bool{true, false}, mixed.wanted[0], "the parameter's gradient must not be computed")

	// Backward, in contrast, computes and accumulates everything.
	y.Backward()
	assert.Equal(t, 1, branch.calls)
	assert.Equal(t, []bool{true, true}, mixed.wanted[1])
	require.NotNil(t, b.Grad)
	assert.Equal(t, []float32{4}, b.Grad.Data, "one bias per output pixel")
	assert.Equal(t, []float32{1, 1, 1, 1}, p.Grad.Data)
	// dy/dw = sum of the window values (1+2+4+5, 2+3+5+6, 4+5+7+8, 5+6+8+9)
	// plus 1 from the spy's direct use of w, plus the old 7.
	assert.Equal(t, []float32{7 + 12 + 1, 7 + 16 + 1, 7 + 24 + 1, 7 + 28 + 1}, w.Grad.Data)
	assert.Nil(t, xt.Grad, "a Track view is not a leaf that requires grad")
}

func TestUntrackedInputRecordsNothing(t *testing.T) {
	w := NewParameter([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 2, 1, 2, 2)
	b := NewParameter([]float32{0.1, 0.2}, 2)
	gamma, beta := NewParameter([]float32{1, 1}, 2), NewParameter([]float32{0, 0}, 2)
	fw, fb := NewParameter([]float32{1, 2, 3, 4}, 2, 2), NewParameter([]float32{0, 1}, 2)
	require.True(t, w.RequiresGradient())
	require.False(t, w.Tracked(), "a parameter alone does not start a graph")
	x := FromData([]float32{1, -2, 3, -4, 5, -6, 7, -8, 9}, 1, 1, 3, 3)
	bnCfg := BatchNormConfig{Training: true, Momentum: 0.1, Eps: 1e-5}
	tests := []struct {
		name string
		f    func() *Tensor
	}{
		{"Conv2d", func() *Tensor { return Conv2d(x, w, b, ConvConfig{}) }},
		{"BatchNorm2d", func() *Tensor { return BatchNorm2d(Conv2d(x, w, b, ConvConfig{}), gamma, beta, nil, nil, bnCfg) }},
		{"Linear", func() *Tensor { return Linear(Flatten(AdaptiveAvgPool2d(Conv2d(x, w, b, ConvConfig{}), 1, 1)), fw, fb) }},
		{"Mul with a parameter", func() *Tensor { return Mul(firstFour(x), fw) }},
		{"CrossEntropy", func() *Tensor {
			return CrossEntropy(Linear(firstFour(x), fw, fb), []int{0, 1}, CrossEntropyConfig{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := tt.f()
			assert.Equal(t, "", y.Op(), "no graph node")
			assert.False(t, y.Tracked())
			msg, panicked := panicMessage(func() { y.BackwardWith(New(y.Shape...)) })
			require.True(t, panicked)
			assert.Contains(t, msg, "no graph")
		})
	}
	for _, p := range []*Tensor{w, b, gamma, beta, fw, fb} {
		assert.Nil(t, p.Grad)
	}
	// The same model with a tracked input records the graph.
	y := Conv2d(Track(x), w, b, ConvConfig{})
	assert.Equal(t, "Conv2d", y.Op())
	Sum(y).Backward()
	assert.NotNil(t, w.Grad)
}

// firstFour views the first four elements of the 3x3 test image as [2, 2].
func firstFour(x *Tensor) *Tensor {
	return FromData(x.Data[:4], 2, 2)
}

func TestRetainGradOnIntermediate(t *testing.T) {
	x := FromData([]float32{1, -2, 0.5}, 3).RequiresGrad()
	h := Scale(x, 3).RetainGrad()                // h = 3x
	k := Add(h, FromData([]float32{1, 1, 1}, 3)) // not retained
	y := Sum(Mul(h, k)).RetainGrad()             // y = sum(h*(h+1))
	y.Backward()
	// dy/dh = 2h + 1 = 6x + 1; dy/dx = 3 (6x + 1)
	assert.Equal(t, []float32{7, -11, 4}, h.Grad.Data)
	assert.Equal(t, []float32{21, -33, 12}, x.Grad.Data)
	assert.Nil(t, k.Grad, "an intermediate without RetainGrad keeps no gradient")
	assert.Equal(t, []float32{1}, y.Grad.Data, "the root's own gradient is the seed")
	assert.True(t, h.Op() == "Scale" && h.Tracked())
}

func TestGradWithRespectToIntermediateAndInput(t *testing.T) {
	x := FromData([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 1, 2, 2, 2).RequiresGrad()
	w := NewParameter([]float32{1, -1, 2, 0.5}, 2, 2, 1, 1)
	b := NewParameter([]float32{0, 1}, 2)
	h := Conv2d(x, w, b, ConvConfig{}) // a layer output [1, 2, 2, 2]
	y := Sum(Mul(h, h))
	g := Grad(y, nil, h, x)
	require.Len(t, g, 2)
	// dy/dh = 2h
	want := Scale(h, 2)
	assert.Equal(t, want.Data, g[0].Data)
	// dy/dx is dh/dx applied to dy/dh: for a 1x1 conv, gx[c] = sum_o w[o,c] gh[o].
	gh := g[0].Data
	for c := 0; c < 2; c++ {
		for i := 0; i < 4; i++ {
			wantX := w.Data[0*2+c]*gh[0*4+i] + w.Data[1*2+c]*gh[1*4+i]
			assert.InDelta(t, wantX, g[1].Data[c*4+i], 1e-4, "gx[%d,%d]", c, i)
		}
	}
	assert.Equal(t, Grad(h, g[0], x)[0].Data, g[1].Data, "chain rule through the intermediate")
	assert.Nil(t, x.Grad)
	assert.Nil(t, w.Grad)
	assert.Nil(t, h.Grad)

	// A tensor that y does not depend on gets zeros.
	other := New(3).RequiresGrad()
	assert.Equal(t, []float32{0, 0, 0}, Grad(y, nil, other)[0].Data)
	// An explicit upstream gradient selecting output channel 0, pixel 0:
	// gx[c, 0] = w[0, c] = (1, -1).
	gx := Grad(h, FromData([]float32{1, 0, 0, 0, 0, 0, 0, 0}, h.Shape...), x)[0]
	assert.Equal(t, []float32{1, 0, 0, 0, -1, 0, 0, 0}, gx.Data)
}

func TestBackwardErrors(t *testing.T) {
	x := FromData([]float32{1, 2}, 2).RequiresGrad()
	tests := []struct {
		name string
		f    func()
		msg  string
	}{
		{"untracked scalar", func() { Scalar(3).Backward() }, "no graph"},
		{"result of an untracked op", func() { Sum(FromData([]float32{1, 2}, 2)).Backward() }, "no graph"},
		{"detached", func() { Sum(Scale(x, 2).Detach()).Backward() }, "no graph"},
		{"non-scalar without gradient", func() { Scale(x, 2).Backward() }, "one-element"},
		{"BackwardWith wrong shape", func() { Scale(x, 2).BackwardWith(New(3)) }, "differs"},
		{"Grad non-scalar without gradient", func() { Grad(Scale(x, 2), nil, x) }, "one-element"},
		{"Grad wrong gradient shape", func() { Grad(Scale(x, 2), New(2, 1), x) }, "differs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, panicked := panicMessage(tt.f)
			require.True(t, panicked)
			assert.Contains(t, msg, tt.msg)
			assert.Contains(t, msg, "nn: ")
		})
	}
	assert.Nil(t, x.Grad)
}

func TestTrackAndFreeze(t *testing.T) {
	x := FromData([]float32{1, 2, 3}, 3)
	xt := Track(x)
	assert.True(t, xt.Tracked())
	assert.False(t, x.Tracked(), "Track does not change its argument")
	assert.Same(t, xt, Track(xt), "tracking a tracked tensor is a no-op")
	assert.False(t, xt.RequiresGradient())

	w := NewParameter([]float32{1, 1, 1}, 3)
	b := NewParameter([]float32{1, 1, 1}, 3)
	w.SetRequiresGrad(false) // frozen
	Sum(Add(Mul(xt, w), b)).Backward()
	assert.Nil(t, w.Grad, "a frozen parameter gets no gradient")
	assert.Equal(t, []float32{1, 1, 1}, b.Grad.Data)
}

// A wanted ReLU output keeps its own gradient: the engine hands a buffer
// on only when nobody asked for it.
func TestGradOfReLUOutputIsKept(t *testing.T) {
	x := FromData([]float32{1, -2, 3, -4}, 4).RequiresGrad()
	r := ReLU(x)
	s := Add(r, Scale(x, 2))
	g := Grad(Sum(Scale(s, 3)), nil, s, r, x)
	assert.Equal(t, []float32{3, 3, 3, 3}, g[0].Data, "s")
	assert.Equal(t, []float32{3, 3, 3, 3}, g[1].Data, "r")
	assert.Equal(t, []float32{9, 6, 9, 6}, g[2].Data, "x")
}
