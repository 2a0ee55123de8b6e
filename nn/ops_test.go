package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hand-computed table tests of every op: tiny inputs whose results are
// worked out in the comments.

// assertPanics requires f to panic with a message containing each of want.
func assertPanics(t *testing.T, f func(), want ...string) {
	t.Helper()
	msg, panicked := panicMessage(f)
	require.True(t, panicked, "expected a panic mentioning %q", want)
	for _, w := range want {
		assert.Contains(t, msg, w)
	}
}

// assertNear compares element-wise within 1e-6 (relative to max(1, |want|)).
func assertNear(t *testing.T, want, got []float32, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		assert.InDelta(t, want[i], got[i], 1e-6*max(1, math.Abs(float64(want[i]))), "%s[%d]", what, i)
	}
}

func TestConv2dByHand(t *testing.T) {
	x22 := []float32{1, 2, 3, 4} // [[1,2],[3,4]]
	x33 := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	tests := []struct {
		name      string
		x         *Tensor
		w         *Tensor
		b         *Tensor
		cfg       ConvConfig
		want      []float32
		wantShape []int
	}{
		// 2x2 kernel [[1,0],[0,1]] on [[1,2],[3,4]]: 1*1 + 4*1 + bias 0.5
		{"2x2 input", FromData(x22, 1, 1, 2, 2), FromData([]float32{1, 0, 0, 1}, 1, 1, 2, 2), FromData([]float32{0.5}, 1),
			ConvConfig{}, []float32{5.5}, []int{1, 1, 1, 1}},
		// w = [[1,2],[3,4]] over the zero-padded [[1,2],[3,4]]:
		// y[0,0] = 4*1, y[0,1] = 3*1 + 4*2, y[0,2] = 3*2,
		// y[1,0] = 2*1 + 4*3, y[1,1] = 1+4+9+16, y[1,2] = 1*2 + 3*4,
		// y[2,0] = 2*3, y[2,1] = 1*3 + 2*4, y[2,2] = 1*4
		{"pad 1", FromData(x22, 1, 1, 2, 2), FromData([]float32{1, 2, 3, 4}, 1, 1, 2, 2), nil,
			Conv2dOptions(1, 1, 1, 1), []float32{4, 11, 6, 14, 30, 14, 6, 11, 4}, []int{1, 1, 3, 3}},
		// The corners of the previous output.
		{"pad 1 stride 2", FromData(x22, 1, 1, 2, 2), FromData([]float32{1, 2, 3, 4}, 1, 1, 2, 2), nil,
			Conv2dOptions(2, 1, 1, 1), []float32{4, 6, 6, 4}, []int{1, 1, 2, 2}},
		// Dilation 2: taps at the corners of the 3x3 input: 1*1 + 2*3 + 3*7 + 4*9
		{"dilation 2", FromData(x33, 1, 1, 3, 3), FromData([]float32{1, 2, 3, 4}, 1, 1, 2, 2), nil,
			Conv2dOptions(1, 0, 2, 1), []float32{64}, []int{1, 1, 1, 1}},
		// Stride 3 > kernel 1 on 3x3 picks x[0,0] only, times 2, plus bias -1.
		{"1x1 stride 3", FromData(x33, 1, 1, 3, 3), FromData([]float32{2}, 1, 1, 1, 1), FromData([]float32{-1}, 1),
			Conv2dOptions(3, 0, 1, 1), []float32{1}, []int{1, 1, 1, 1}},
		// Two groups of one channel: 2*3 and -1*5, no mixing.
		{"groups 2", FromData([]float32{3, 5}, 1, 2, 1, 1), FromData([]float32{2, -1}, 2, 1, 1, 1), nil,
			Conv2dOptions(1, 0, 1, 2), []float32{6, -5}, []int{1, 2, 1, 1}},
		// One group: the output mixes both channels, 2*3 - 1*5.
		{"groups 1 mixes", FromData([]float32{3, 5}, 1, 2, 1, 1), FromData([]float32{2, -1}, 1, 2, 1, 1), nil,
			ConvConfig{}, []float32{1}, []int{1, 1, 1, 1}},
		// Batch of two 1x2 images [1,2] and [3,4] with kernel [1,-1]: 1-2, 3-4.
		{"batch 2", FromData([]float32{1, 2, 3, 4}, 2, 1, 1, 2), FromData([]float32{1, -1}, 1, 1, 1, 2), nil,
			ConvConfig{}, []float32{-1, -1}, []int{2, 1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := Conv2d(tt.x, tt.w, tt.b, tt.cfg)
			assert.Equal(t, tt.wantShape, y.Shape)
			assertNear(t, tt.want, y.Data, "y")
		})
	}
}

func TestConv2dBackwardByHand(t *testing.T) {
	// Valid 2x2 conv on a 2x2 input with gy = 1: gx = w, gw = x, gb = 1.
	x := FromData([]float32{1, 2, 3, 4}, 1, 1, 2, 2).RequiresGrad()
	w := FromData([]float32{1, 0, 0, 1}, 1, 1, 2, 2).RequiresGrad()
	b := FromData([]float32{0.5}, 1).RequiresGrad()
	Sum(Conv2d(x, w, b, ConvConfig{})).Backward()
	assert.Equal(t, []float32{1, 0, 0, 1}, x.Grad.Data)
	assert.Equal(t, []float32{1, 2, 3, 4}, w.Grad.Data)
	assert.Equal(t, []float32{1}, b.Grad.Data)

	// With padding 1 the 3x3 output uses every tap at every input pixel:
	// gx = sum(w) = 10 everywhere, gw = sum(x) = 10 everywhere, gb = 9 outputs.
	x.Grad, w.Grad, b.Grad = nil, nil, nil
	w2 := FromData([]float32{1, 2, 3, 4}, 1, 1, 2, 2).RequiresGrad()
	Sum(Conv2d(x, w2, b, Conv2dOptions(1, 1, 1, 1))).Backward()
	assert.Equal(t, []float32{10, 10, 10, 10}, x.Grad.Data)
	assert.Equal(t, []float32{10, 10, 10, 10}, w2.Grad.Data)
	assert.Equal(t, []float32{9}, b.Grad.Data)
}

func TestConv2dBadShapes(t *testing.T) {
	x := New(1, 2, 3, 3)
	tests := []struct {
		name string
		f    func()
		msg  string
	}{
		{"3-D input", func() { Conv2d(New(2, 3, 3), New(1, 2, 1, 1), nil, ConvConfig{}) }, "4-D"},
		{"channels", func() { Conv2d(x, New(1, 3, 1, 1), nil, ConvConfig{}) }, "do not fit"},
		{"groups", func() { Conv2d(x, New(3, 1, 1, 1), nil, Conv2dOptions(1, 0, 1, 2)) }, "groups"},
		{"bias", func() { Conv2d(x, New(1, 2, 1, 1), New(2), ConvConfig{}) }, "bias"},
		{"kernel too large", func() { Conv2d(x, New(1, 2, 4, 4), nil, ConvConfig{}) }, "smaller than the kernel"},
		{"negative padding", func() { Conv2d(x, New(1, 2, 1, 1), nil, ConvConfig{PadH: -1}) }, "invalid config"},
		// Caught before the worker goroutines start, so nn.Try can recover it.
		{"input data shorter than its shape", func() {
			Conv2d(&Tensor{Shape: []int{8, 2, 64, 64}, Data: make([]float32, 10)}, New(4, 2, 3, 3), nil, ConvConfig{})
		}, "holds 10 values, needs 65536"},
		{"weight data shorter than its shape", func() { Conv2d(x, &Tensor{Shape: []int{1, 2, 1, 1}}, nil, ConvConfig{}) }, "holds 0 values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertPanics(t, tt.f, "Conv2d", tt.msg) })
	}
}

func TestTensorCheck(t *testing.T) {
	tests := []struct {
		name string
		t    *Tensor
		want string
	}{
		{"nil", nil, "nil tensor"},
		{"negative dimension", &Tensor{Shape: []int{2, -1}}, "negative dimension"},
		{"short data", &Tensor{Shape: []int{2, 3}, Data: make([]float32, 5)}, "holds 5 values, needs 6"},
		{"long data", &Tensor{Shape: []int{2}, Data: make([]float32, 3)}, "holds 3 values, needs 2"},
		{"fine", New(2, 3), ""},
		{"scalar", Scalar(1), ""},
	}
	for _, tt := range tests {
		err := tt.t.Check()
		if tt.want == "" {
			assert.NoError(t, err, tt.name)
		} else {
			assert.ErrorContains(t, err, tt.want, tt.name)
		}
	}
}

func TestOutSizesByHand(t *testing.T) {
	pool := []struct {
		in, k, s, p int
		ceil        bool
		want        int
	}{
		{5, 2, 2, 0, false, 2}, // windows at 0, 2
		{5, 2, 2, 0, true, 3},  // plus the partial window at 4
		{4, 3, 2, 0, false, 1}, // (4-3)/2 + 1
		{4, 3, 2, 0, true, 2},  // ceil(1/2) + 1; the window at 2 starts inside
		{7, 2, 3, 0, false, 2}, // stride > kernel: windows at 0, 3
		{7, 2, 3, 0, true, 3},  // and the partial one at 6
		{4, 2, 2, 1, true, 3},  // padded length 6: windows at -1, 1, 3
		{5, 2, 2, 1, true, 3},  // a 4th window would start at 5 = in+pad: dropped
		{1, 3, 2, 1, false, 1}, // padded 3: one window
		{1, 3, 1, 0, false, 0}, // too small
	}
	for _, c := range pool {
		assert.Equal(t, c.want, PoolOutSize(c.in, c.k, c.s, c.p, c.ceil), "PoolOutSize%v", c)
	}
	conv := []struct{ in, k, s, p, d, want int }{
		{5, 3, 1, 0, 1, 3},
		{5, 3, 1, 1, 1, 5},
		{5, 3, 2, 1, 1, 3},
		{7, 3, 1, 0, 2, 3}, // dilated kernel spans 5
		{2, 3, 1, 0, 1, 0}, // too small
		{2, 3, 1, 1, 1, 2},
	}
	for _, c := range conv {
		assert.Equal(t, c.want, ConvOutSize(c.in, c.k, c.s, c.p, c.d), "ConvOutSize%v", c)
	}
}

func TestMaxPool2dByHand(t *testing.T) {
	arange := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(i)
		}
		return v
	}
	tests := []struct {
		name      string
		x         *Tensor
		cfg       PoolConfig
		wantShape []int
		want      []float32
		wantIdx   []int32
	}{
		// arange(25) as 5x5, 2x2 windows: maxima are the bottom-right corners.
		{"k2 floor", FromData(arange(25), 1, 1, 5, 5), PoolConfig{Kernel: 2}, []int{1, 1, 2, 2},
			[]float32{6, 8, 16, 18}, []int32{6, 8, 16, 18}},
		// ceil_mode adds the partial windows of column 4 and row 4.
		{"k2 ceil", FromData(arange(25), 1, 1, 5, 5), PoolConfig{Kernel: 2, CeilMode: true}, []int{1, 1, 3, 3},
			[]float32{6, 8, 9, 16, 18, 19, 21, 23, 24}, []int32{6, 8, 9, 16, 18, 19, 21, 23, 24}},
		// Stride 3 > kernel 1 samples x[0,0], x[0,3], x[3,0], x[3,3] of 4x4.
		{"k1 s3", FromData(arange(16), 1, 1, 4, 4), PoolConfig{Kernel: 1, Stride: 3}, []int{1, 1, 2, 2},
			[]float32{0, 3, 12, 15}, []int32{0, 3, 12, 15}},
		// Negative values with padding 1: padding never wins. Windows of
		// [[-1,-2],[-3,-4]] with k2 s1 p1 each cover one to four values.
		{"pad is -inf", FromData([]float32{-1, -2, -3, -4}, 1, 1, 2, 2), PoolConfig{Kernel: 2, Stride: 1, Pad: 1}, []int{1, 1, 3, 3},
			[]float32{-1, -1, -2, -1, -1, -2, -3, -3, -4}, []int32{0, 0, 1, 0, 0, 1, 2, 2, 3}},
		// Two channels are pooled separately; indices are within each plane.
		{"channels", FromData([]float32{1, 5, 3, 2, 9, 0, 4, 7}, 1, 2, 2, 2), PoolConfig{Kernel: 2}, []int{1, 2, 1, 1},
			[]float32{5, 9}, []int32{1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := tt.x.Clone().RequiresGrad()
			y, idx := MaxPool2dIndices(x, tt.cfg)
			assert.Equal(t, tt.wantShape, y.Shape)
			assert.Equal(t, tt.want, y.Data)
			assert.Equal(t, tt.wantIdx, idx)
			// The gradient goes to the winners (accumulating where a value
			// wins several windows).
			Sum(y).Backward()
			want := make([]float32, len(x.Data))
			plane := x.Shape[2] * x.Shape[3]
			perPlane := len(idx) / (x.Shape[0] * x.Shape[1])
			for o, i := range idx {
				want[(o/perPlane)*plane+int(i)]++
			}
			assert.Equal(t, want, x.Grad.Data)
		})
	}
	assertPanics(t, func() { MaxPool2d(New(1, 1, 4, 4), PoolConfig{Kernel: 2, Pad: 2}) }, "MaxPool2d")
	assertPanics(t, func() { MaxPool2d(New(1, 1, 1, 1), PoolConfig{Kernel: 2}) }, "smaller than")
}

func TestAdaptiveAvgPool2dByHand(t *testing.T) {
	// x[r,c] = 4r + c on 5x4, pooled to 3x3. PyTorch's bins,
	// start = floor(i*H/OH), end = ceil((i+1)*H/OH):
	//   rows (H=5): [0,2) [1,4) [3,5)  -> mean row 0.5, 2, 3.5
	//   cols (W=4): [0,2) [1,3) [2,4)  -> mean col 0.5, 1.5, 2.5
	// so y[i,j] = 4*meanrow[i] + meancol[j].
	x := New(1, 1, 5, 4)
	for i := range x.Data {
		x.Data[i] = float32(i)
	}
	x.RequiresGrad()
	y := AdaptiveAvgPool2d(x, 3, 3)
	assert.Equal(t, []int{1, 1, 3, 3}, y.Shape)
	assertNear(t, []float32{2.5, 3.5, 4.5, 8.5, 9.5, 10.5, 14.5, 15.5, 16.5}, y.Data, "y")

	// With gy = 1, gx[r,c] = rowf[r] * colf[c], the sums of 1/size over the
	// bins holding r (sizes 2, 3, 2) and c (sizes 2, 2, 2):
	// rowf = 1/2, 1/2+1/3, 1/3, 1/3+1/2, 1/2; colf = 1/2, 1, 1, 1/2.
	Sum(y).Backward()
	rowf := []float64{0.5, 5.0 / 6, 1.0 / 3, 5.0 / 6, 0.5}
	colf := []float64{0.5, 1, 1, 0.5}
	for r := range rowf {
		for c := range colf {
			assert.InDelta(t, rowf[r]*colf[c], x.Grad.Data[r*4+c], 1e-6, "gx[%d,%d]", r, c)
		}
	}

	// Growing 2 -> 3 rows: bins [0,1) [0,2) [1,2): a, (a+b)/2, b.
	up := AdaptiveAvgPool2d(FromData([]float32{2, 6}, 1, 1, 2, 1), 3, 1)
	assert.Equal(t, []float32{2, 4, 6}, up.Data)
	// To 1x1 it is the mean: (1+2+3+4)/4.
	assert.Equal(t, []float32{2.5}, AdaptiveAvgPool2d(FromData([]float32{1, 2, 3, 4}, 1, 1, 2, 2), 1, 1).Data)
	assertPanics(t, func() { AdaptiveAvgPool2d(New(1, 1, 2, 2), 0, 1) }, "AdaptiveAvgPool2d")
}

func TestBatchNorm2dByHand(t *testing.T) {
	// Train: x = [1,1,3,3] over N=2, W=2: mean 2, biased var 1, so
	// xhat = [-1,-1,1,1] and y = 2*xhat + 1. Running stats with momentum
	// 0.5 from (0, 1): mean 0.5*2 = 1, var 0.5*1 + 0.5*(4/3 unbiased) = 7/6.
	x := FromData([]float32{1, 1, 3, 3}, 2, 1, 1, 2)
	rm, rv := FromData([]float32{0}, 1), FromData([]float32{1}, 1)
	w, b := FromData([]float32{2}, 1), FromData([]float32{1}, 1)
	y := BatchNorm2d(x, w, b, rm, rv, BatchNormConfig{Training: true, Momentum: 0.5})
	assertNear(t, []float32{-1, -1, 3, 3}, y.Data, "train y")
	assertNear(t, []float32{1}, rm.Data, "running mean")
	assertNear(t, []float32{7.0 / 6}, rv.Data, "running var")

	// Eval: y = 3*(x - 1)/sqrt(4) - 1 on x = [3, 5] gives [2, 5]; the
	// running statistics stay.
	rm, rv = FromData([]float32{1}, 1), FromData([]float32{4}, 1)
	y = BatchNorm2d(FromData([]float32{3, 5}, 1, 1, 1, 2), FromData([]float32{3}, 1), FromData([]float32{-1}, 1), rm, rv, BatchNormConfig{})
	assertNear(t, []float32{2, 5}, y.Data, "eval y")
	assert.Equal(t, []float32{1}, rm.Data)
	assert.Equal(t, []float32{4}, rv.Data)

	// Without affine parameters and running stats: plain normalisation.
	y = BatchNorm2d(FromData([]float32{1, 1, 3, 3}, 1, 1, 2, 2), nil, nil, nil, nil, BatchNormConfig{Training: true})
	assertNear(t, []float32{-1, -1, 1, 1}, y.Data, "no affine")

	assertPanics(t, func() {
		BatchNorm2d(New(1, 2, 2, 2), New(3), nil, nil, nil, BatchNormConfig{Training: true})
	}, "BatchNorm2d", "does not match")
	assertPanics(t, func() { BatchNorm2d(New(1, 2, 2, 2), nil, nil, nil, nil, BatchNormConfig{}) }, "running statistics")
	// Running mean and variance come together (a nil variance used to be
	// dereferenced; a nil mean silently skipped the variance update).
	for _, train := range []bool{true, false} {
		assertPanics(t, func() {
			BatchNorm2d(New(2, 2, 1, 1), nil, nil, New(2), nil, BatchNormConfig{Training: train})
		}, "BatchNorm2d", "running")
		assertPanics(t, func() {
			BatchNorm2d(New(2, 2, 1, 1), nil, nil, nil, New(2), BatchNormConfig{Training: train})
		}, "BatchNorm2d", "running")
	}
	assertPanics(t, func() { BatchNorm2d(New(2, 2), nil, nil, nil, nil, BatchNormConfig{Training: true}) }, "4-D")
}

func TestDropoutByHand(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := FromData([]float32{1, -2, 3, 4}, 4)

	// p = 0 or eval mode: the input itself comes back.
	assert.Same(t, x, Dropout(x, 0, true, rng))
	assert.Same(t, x, Dropout(x, 0.5, false, rng))
	assert.Same(t, x, Dropout(x, 1, false, rng))

	// p = 1 in training: everything is dropped, and so is the gradient.
	xt := x.Clone().RequiresGrad()
	y := Dropout(xt, 1, true, rng)
	assert.Equal(t, []float32{0, 0, 0, 0}, y.Data)
	Sum(y).Backward()
	assert.Equal(t, []float32{0, 0, 0, 0}, xt.Grad.Data)

	// p = 0.5: survivors are doubled, the gradient is the same mask.
	big := New(2000)
	for i := range big.Data {
		big.Data[i] = 1
	}
	big.RequiresGrad()
	y = Dropout(big, 0.5, true, rng)
	kept := 0
	for _, v := range y.Data {
		require.True(t, v == 0 || v == 2, "value %v", v)
		if v == 2 {
			kept++
		}
	}
	assert.InDelta(t, 1000, kept, 150, "about half kept")
	Sum(y).Backward()
	assert.Equal(t, y.Data, big.Grad.Data)

	for _, p := range []float64{-0.1, 1.5, math.NaN()} {
		assertPanics(t, func() { Dropout(x, p, true, rng) }, "Dropout", "probability")
	}
}

func TestReshapeByHand(t *testing.T) {
	x := New(2, 3, 4)
	ok := []struct {
		shape []int
		want  []int
	}{
		{[]int{-1, 4}, []int{6, 4}},
		{[]int{4, -1}, []int{4, 6}},
		{[]int{-1}, []int{24}},
		{[]int{2, -1, 2}, []int{2, 6, 2}},
		{[]int{24, 1}, []int{24, 1}},
	}
	for _, c := range ok {
		arg := append([]int(nil), c.shape...)
		y := x.Reshape(arg...)
		assert.Equal(t, c.want, y.Shape, "Reshape%v", c.shape)
		assert.Equal(t, c.shape, arg, "the argument is not modified")
	}
	// A view: the data is shared.
	v := x.Reshape(-1)
	v.Data[5] = 7
	assert.Equal(t, float32(7), x.Data[5])
	// Empty tensors can infer a dimension as long as the rest is non-zero.
	assert.Equal(t, []int{0, 3}, New(0, 3).Reshape(-1, 3).Shape)

	bad := []struct {
		shape []int
		msg   string
	}{
		{[]int{-1, -1}, "more than one -1"},
		{[]int{5, -1}, "cannot infer"},
		{[]int{0, -1}, "cannot infer"},
		{[]int{5, 5}, "element counts differ"},
		{[]int{-2, -12}, "negative"},
		{[]int{-1, -2}, "negative"},
		{[]int{-4, -6, 1}, "negative"},
	}
	for _, c := range bad {
		assertPanics(t, func() { x.Reshape(c.shape...) }, "Reshape", c.msg)
	}
	assertPanics(t, func() { New(0, 3).Reshape(0, -1) }, "cannot infer")
}

func TestLinearAndElementwiseByHand(t *testing.T) {
	// w = [[1,0],[2,-1]], x = [1,2]: (1, 2-2) + b (0.5, 0)
	x := FromData([]float32{1, 2}, 1, 2).RequiresGrad()
	w := FromData([]float32{1, 0, 2, -1}, 2, 2).RequiresGrad()
	b := FromData([]float32{0.5, 0}, 2).RequiresGrad()
	y := Linear(x, w, b)
	assert.Equal(t, []float32{1.5, 0}, y.Data)
	// gy = (1, 3): gx = gy w = (1+6, -3), gw = gy^T x = [[1,2],[3,6]], gb = gy
	y.BackwardWith(FromData([]float32{1, 3}, 1, 2))
	assert.Equal(t, []float32{7, -3}, x.Grad.Data)
	assert.Equal(t, []float32{1, 2, 3, 6}, w.Grad.Data)
	assert.Equal(t, []float32{1, 3}, b.Grad.Data)
	assertPanics(t, func() { Linear(New(1, 3), New(2, 2), nil) }, "Linear")
	assertPanics(t, func() { Linear(New(1, 2), New(2, 2), New(3)) }, "bias")

	a, c := FromData([]float32{1, -2, 3}, 3), FromData([]float32{4, 5, -6}, 3)
	assert.Equal(t, []float32{5, 3, -3}, Add(a, c).Data)
	assert.Equal(t, []float32{4, -10, -18}, Mul(a, c).Data)
	assert.Equal(t, []float32{-0.5, 1, -1.5}, Scale(a, -0.5).Data)
	assertPanics(t, func() { Add(a, New(2)) }, "Add", "differ")
	assertPanics(t, func() { Mul(a, New(3, 1)) }, "Mul", "differ")

	// ReLU: the gradient at exactly 0 is 0.
	r := FromData([]float32{-1, 0, 2}, 3).RequiresGrad()
	ry := ReLU(r)
	assert.Equal(t, []float32{0, 0, 2}, ry.Data)
	Sum(ry).Backward()
	assert.Equal(t, []float32{0, 0, 1}, r.Grad.Data)
}

func TestReductionsByHand(t *testing.T) {
	x := FromData([]float32{1, 2, 3, 4}, 2, 2)
	assert.Equal(t, float32(10), Sum(x).Item())
	assert.Equal(t, []int{}, Sum(x).Shape)
	assert.Equal(t, float32(2.5), Mean(x).Item())
	assertPanics(t, func() { Mean(New(0)) }, "Mean")

	// Channels of [1,3,1,2] = [1,2 | 3,4 | 5,6].
	c := FromData([]float32{1, 2, 3, 4, 5, 6}, 1, 3, 1, 2).RequiresGrad()
	assert.Equal(t, []float32{3, 4}, Channel(c, 1).Data)
	sel := Channels(c, []int{2, 0, 2})
	assert.Equal(t, []int{1, 3, 1, 2}, sel.Shape)
	assert.Equal(t, []float32{5, 6, 1, 2, 5, 6}, sel.Data)
	Sum(sel).Backward() // channel 2 picked twice, 1 never
	assert.Equal(t, []float32{1, 1, 0, 0, 2, 2}, c.Grad.Data)
	assertPanics(t, func() { Channels(c, []int{3}) }, "Channels", "out of range")
	assertPanics(t, func() { Channel(c, -1) }, "out of range")

	// Gather rows of [[1,2,3],[4,5,6]] at columns 2 and 0.
	g := FromData([]float32{1, 2, 3, 4, 5, 6}, 2, 3).RequiresGrad()
	gy := Gather(g, []int{2, 0})
	assert.Equal(t, []float32{3, 4}, gy.Data)
	gy.BackwardWith(FromData([]float32{10, 20}, 2))
	assert.Equal(t, []float32{0, 0, 10, 20, 0, 0}, g.Grad.Data)
	assertPanics(t, func() { Gather(g, []int{3, 0}) }, "Gather", "out of range")
	assertPanics(t, func() { Gather(g, []int{0}) }, "Gather")

	assert.Equal(t, []int{2, 6}, Flatten(New(2, 3, 2)).Shape)
	assert.Equal(t, []int{3, 1}, Flatten(New(3)).Shape)
	assertPanics(t, func() { Flatten(Scalar(1)) }, "Flatten")
}

func TestSoftmaxAndCrossEntropyByHand(t *testing.T) {
	ln3 := float32(math.Log(3))
	// softmax(0, ln 3) = (1, 3)/4
	row := FromData([]float32{0, ln3}, 1, 2)
	assertNear(t, []float32{0.25, 0.75}, Softmax(row).Data, "softmax")
	assertNear(t, []float32{float32(math.Log(0.25)), float32(math.Log(0.75))}, LogSoftmax(row).Data, "log_softmax")

	two := func() *Tensor { return FromData([]float32{0, ln3, 0, ln3}, 2, 2).RequiresGrad() }
	l1, l0 := -math.Log(0.75), -math.Log(0.25) // losses for targets 1 and 0
	ign := 0
	tests := []struct {
		name     string
		targets  []int
		cfg      CrossEntropyConfig
		want     []float64
		wantGrad []float32 // for gy = 1 (or ones)
	}{
		// grad = softmax - onehot, divided by 2 for the mean
		{"mean", []int{1, 0}, CrossEntropyConfig{}, []float64{(l1 + l0) / 2},
			[]float32{0.125, -0.125, -0.375, 0.375}},
		{"sum", []int{1, 0}, CrossEntropyConfig{Reduction: ReduceSum}, []float64{l1 + l0},
			[]float32{0.25, -0.25, -0.75, 0.75}},
		{"none", []int{1, 0}, CrossEntropyConfig{Reduction: ReduceNone}, []float64{l1, l0},
			[]float32{0.25, -0.25, -0.75, 0.75}},
		// Ignoring label 0 leaves sample 0; the mean divides by 1.
		{"mean ignore", []int{1, 0}, CrossEntropyConfig{IgnoreIndex: &ign}, []float64{l1},
			[]float32{0.25, -0.25, 0, 0}},
		{"none ignore", []int{1, 0}, CrossEntropyConfig{Reduction: ReduceNone, IgnoreIndex: &ign}, []float64{l1, 0},
			[]float32{0.25, -0.25, 0, 0}},
		// Smoothing 0.2 over C=2: target (0.1, 0.9) for label 1, so
		// loss = -0.9 ln .75 - 0.1 ln .25 and grad = (.25-.1, .75-.9).
		{"smoothing", []int{1, 1}, CrossEntropyConfig{Reduction: ReduceNone, LabelSmoothing: 0.2},
			[]float64{0.9*l1 + 0.1*l0, 0.9*l1 + 0.1*l0}, []float32{0.15, -0.15, 0.15, -0.15}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := two()
			y := CrossEntropy(x, tt.targets, tt.cfg)
			require.Len(t, y.Data, len(tt.want))
			for i, w := range tt.want {
				assert.InDelta(t, w, float64(y.Data[i]), 1e-6, "loss[%d]", i)
			}
			gy := New(y.Shape...)
			for i := range gy.Data {
				gy.Data[i] = 1
			}
			y.BackwardWith(gy)
			assertNear(t, tt.wantGrad, x.Grad.Data, "grad")
		})
	}

	// Everything ignored with the mean: 0/0 = NaN, as PyTorch.
	all := CrossEntropy(two(), []int{0, 0}, CrossEntropyConfig{IgnoreIndex: &ign})
	assert.True(t, math.IsNaN(float64(all.Item())))

	bad := []struct {
		name    string
		logits  *Tensor
		targets []int
		cfg     CrossEntropyConfig
		msg     string
	}{
		{"target too large", New(2, 2), []int{0, 2}, CrossEntropyConfig{}, "target 2 of sample 1"},
		{"negative target", New(2, 2), []int{-1, 0}, CrossEntropyConfig{}, "target -1 of sample 0"},
		{"count", New(2, 2), []int{0}, CrossEntropyConfig{}, "1 targets"},
		{"1-D logits", New(2), []int{0, 1}, CrossEntropyConfig{}, "[2]"},
		{"smoothing > 1", New(1, 2), []int{0}, CrossEntropyConfig{LabelSmoothing: 1.5}, "label smoothing"},
		{"smoothing < 0", New(1, 2), []int{0}, CrossEntropyConfig{LabelSmoothing: -0.1}, "label smoothing"},
		{"smoothing NaN", New(1, 2), []int{0}, CrossEntropyConfig{LabelSmoothing: float32(math.NaN())}, "label smoothing"},
		{"nil logits", nil, []int{0}, CrossEntropyConfig{}, "nil tensor"},
		{"short logits", &Tensor{Shape: []int{2, 3}, Data: make([]float32, 4)}, []int{0, 1}, CrossEntropyConfig{}, "holds 4 values"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			y, err := CrossEntropyChecked(tt.logits, tt.targets, tt.cfg)
			require.Error(t, err)
			assert.Nil(t, y)
			assert.Contains(t, err.Error(), tt.msg)
			assertPanics(t, func() { CrossEntropy(tt.logits, tt.targets, tt.cfg) }, "CrossEntropy", tt.msg)
		})
	}
	assertPanics(t, func() { Softmax(New(3)) }, "Softmax")
	assertPanics(t, func() { LogSoftmax(New(2, 0)) }, "LogSoftmax")
}

func TestResizeBilinearByHand(t *testing.T) {
	// Up 2 -> 4 with align_corners=false: sources (i+0.5)/2 - 0.5 =
	// -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to the last pixel),
	// so [0, 4] becomes [0, 1, 3, 4].
	up := ResizeBilinear(FromData([]float32{0, 4}, 1, 1, 1, 2), 1, 4)
	assert.Equal(t, []float32{0, 1, 3, 4}, up.Data)
	// Down 4 -> 2: sources 0.5 and 2.5, the means of pixel pairs.
	down := ResizeBilinear(FromData([]float32{0, 1, 2, 3}, 1, 1, 1, 4), 1, 2)
	assert.Equal(t, []float32{0.5, 2.5}, down.Data)
	// 2-D: x = 8r + 4c is linear, so y = 8*ry + 4*rx with r = (0, .25, .75, 1).
	y := ResizeBilinear(FromData([]float32{0, 4, 8, 12}, 1, 1, 2, 2), 4, 4)
	assert.Equal(t, []float32{0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12}, y.Data)

	// Backward of the 1-D upsampling with gy = 1: each input gets
	// 1 + .75 + .25 + 0 = 2.
	x := FromData([]float32{0, 4}, 1, 1, 1, 2).RequiresGrad()
	Sum(ResizeBilinear(x, 1, 4)).Backward()
	assert.Equal(t, []float32{2, 2}, x.Grad.Data)
	assertPanics(t, func() { ResizeBilinear(New(1, 1, 2, 2), 0, 3) }, "ResizeBilinear")
}
