package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seedling-ml/seedling/internal/shared"
)

// Tests for the real-world failure cases of /work/shared/cases that concern
// single ops (see cases/README.md). Inputs and expected values come from
// each case's expected.json; where the JSON encodes an input in a key name
// (such as "train_input_[2,1,1,1]=[1,3]") the key is parsed.

// panicMessage runs f and reports whether it panicked, and with what text.
func panicMessage(f func()) (msg string, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			msg, panicked = fmt.Sprint(r), true
		}
	}()
	f()
	return "", false
}

// readCase decodes cases/<dir>/expected.json into a map of raw values.
func readCase(t *testing.T, dir string) map[string]json.RawMessage {
	t.Helper()
	buf, err := os.ReadFile(shared.Path(t, "cases/"+dir+"/expected.json"))
	require.NoError(t, err)
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(buf, &m), dir)
	return m
}

// numberList parses a JSON array of numbers such as "[1e8,1e8]".
func numberList(t *testing.T, s string) []float64 {
	t.Helper()
	var v []float64
	require.NoError(t, json.Unmarshal([]byte(s), &v), "number list %q", s)
	return v
}

func caseFloat32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func caseInts(v []float64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

// assertClose checks |got - want| <= atol elementwise, and that got is finite.
func assertClose(t *testing.T, want []float64, got []float32, atol float64, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		g := float64(got[i])
		assert.False(t, math.IsNaN(g) || math.IsInf(g, 0), "%s[%d] = %v is not finite", what, i, g)
		assert.InDelta(t, want[i], g, atol, "%s[%d]", what, i)
	}
}

func TestCaseC12BatchNormBatch1Train(t *testing.T) {
	c := readCase(t, "C12_bn_batch1_train")
	var atol float64
	require.NoError(t, json.Unmarshal(c["atol"], &atol))
	// The layer of expected.json: gamma=1, beta=0, eps=1e-5, momentum=0.1,
	// running_mean=0, running_var=1.
	layer := func(ch int) (w, b, rm, rv *Tensor) {
		w, b, rm, rv = New(ch), New(ch), New(ch), New(ch)
		for i := 0; i < ch; i++ {
			w.Data[i], rv.Data[i] = 1, 1
		}
		return
	}
	train := BatchNormConfig{Training: true, Momentum: 0.1, Eps: 1e-5}
	eval := BatchNormConfig{Momentum: 0.1, Eps: 1e-5}

	errKey := regexp.MustCompile(`^train_input_shape_(\[[0-9,]+\])$`)
	valKey := regexp.MustCompile(`^train_input_(\[[0-9,]+\])=(\[[-0-9.e,]+\])$`)
	evalKey := regexp.MustCompile(`^eval_input_(\[[0-9,]+\])$`)
	seen := map[string]int{}
	for _, key := range sortedKeys(c) {
		raw := c[key]
		switch {
		case errKey.MatchString(key):
			seen["error"]++
			shape := caseInts(numberList(t, errKey.FindStringSubmatch(key)[1]))
			t.Run(key, func(t *testing.T) {
				w, b, rm, rv := layer(shape[1])
				x := New(shape...)
				for i := range x.Data {
					x.Data[i] = float32(i + 1)
				}
				msg, panicked := panicMessage(func() { BatchNorm2d(Track(x), w, b, rm, rv, train) })
				require.True(t, panicked, "train mode on %v must fail", shape)
				assert.Contains(t, msg, "expected more than 1 value per channel when training")
				assert.Contains(t, msg, fmt.Sprint(shape), "the message names the input shape")
				// Never a silent update of the running statistics.
				_, _, rm0, rv0 := layer(shape[1])
				assert.Equal(t, rm0.Data, rm.Data, "running mean changed")
				assert.Equal(t, rv0.Data, rv.Data, "running var changed")
			})
		case valKey.MatchString(key):
			seen["values"]++
			m := valKey.FindStringSubmatch(key)
			shape, input := caseInts(numberList(t, m[1])), caseFloat32s(numberList(t, m[2]))
			var want struct {
				Output      []float64 `json:"output"`
				RunningMean []float64 `json:"running_mean"`
				RunningVar  []float64 `json:"running_var"`
			}
			require.NoError(t, json.Unmarshal(raw, &want), key)
			t.Run(key, func(t *testing.T) {
				w, b, rm, rv := layer(shape[1])
				x := FromData(input, shape...).RequiresGrad()
				y := BatchNorm2d(x, w, b, rm, rv, train)
				assertClose(t, want.Output, y.Data, atol, "output")
				assertClose(t, want.RunningMean, rm.Data, atol, "running_mean")
				assertClose(t, want.RunningVar, rv.Data, atol, "running_var")
				// The backward pass is finite too.
				Sum(Mul(y, y)).Backward()
				for i, g := range x.Grad.Data {
					assert.False(t, math.IsNaN(float64(g)) || math.IsInf(float64(g), 0), "grad[%d] = %v", i, g)
				}
			})
		case evalKey.MatchString(key):
			seen["eval"]++
			shape := caseInts(numberList(t, evalKey.FindStringSubmatch(key)[1]))
			t.Run(key, func(t *testing.T) {
				w, b, rm, rv := layer(shape[1])
				x := New(shape...)
				want := make([]float64, len(x.Data))
				for i := range x.Data {
					x.Data[i] = float32(i + 1)
					want[i] = float64(i+1) / math.Sqrt(1+1e-5) // running stats 0 and 1
				}
				var y *Tensor
				msg, panicked := panicMessage(func() { y = BatchNorm2d(Track(x), w, b, rm, rv, eval) })
				require.False(t, panicked, "eval mode must accept %v: %s", shape, msg)
				assertClose(t, want, y.Data, atol, "output")
			})
		}
	}
	// The file's cases all ran (so that a renamed key cannot skip them).
	assert.Equal(t, map[string]int{"error": 1, "values": 2, "eval": 1}, seen)
}

func TestCaseC19PoolConvShapes(t *testing.T) {
	c := readCase(t, "C19_pool_conv_shapes")
	// The resnet18_stage_sizes part is tested in package resnet.

	t.Run("shapes", func(t *testing.T) {
		var shapes []struct {
			Op       string `json:"op"`
			Kernel   int    `json:"kernel"`
			Stride   int    `json:"stride"`
			Padding  int    `json:"padding"`
			CeilMode bool   `json:"ceil_mode"`
			In       int    `json:"in"`
			Out      int    `json:"out"`
		}
		require.NoError(t, json.Unmarshal(c["shapes"], &shapes))
		require.NotEmpty(t, shapes)
		for _, s := range shapes {
			name := fmt.Sprintf("%s k%d s%d p%d ceil=%v in %d", s.Op, s.Kernel, s.Stride, s.Padding, s.CeilMode, s.In)
			t.Run(name, func(t *testing.T) {
				x := New(1, 1, s.In, s.In)
				for i := range x.Data {
					x.Data[i] = float32(i%7) - 3
				}
				var y *Tensor
				switch s.Op {
				case "maxpool":
					assert.Equal(t, s.Out, PoolOutSize(s.In, s.Kernel, s.Stride, s.Padding, s.CeilMode), "PoolOutSize")
					y = MaxPool2d(x, PoolConfig{Kernel: s.Kernel, Stride: s.Stride, Pad: s.Padding, CeilMode: s.CeilMode})
				case "conv":
					require.False(t, s.CeilMode, "convolutions have no ceil mode")
					assert.Equal(t, s.Out, ConvOutSize(s.In, s.Kernel, s.Stride, s.Padding, 1), "ConvOutSize")
					w := New(1, 1, s.Kernel, s.Kernel)
					w.Data[0] = 1
					y = Conv2d(x, w, nil, Conv2dOptions(s.Stride, s.Padding, 1, 1))
				default:
					t.Fatalf("unknown op %q", s.Op)
				}
				assert.Equal(t, []int{1, 1, s.Out, s.Out}, y.Shape)
				for i, v := range y.Data {
					assert.False(t, math.IsInf(float64(v), 0) || math.IsNaN(float64(v)), "output %d = %v (window in padding only?)", i, v)
				}
			})
		}
	})

	t.Run("maxpool 3x3 s2 p1 on arange 5x5", func(t *testing.T) {
		var ex struct {
			Input  [][]float32 `json:"input"`
			Output [][]float32 `json:"output"`
		}
		require.NoError(t, json.Unmarshal(c["maxpool_3x3_s2_p1_on_arange_5x5"], &ex))
		x := matrixTensor(ex.Input)
		want := matrixTensor(ex.Output)
		y := MaxPool2d(x, PoolConfig{Kernel: 3, Stride: 2, Pad: 1})
		assert.Equal(t, want.Shape, y.Shape)
		assert.Equal(t, want.Data, y.Data)
	})

	t.Run("ties give the gradient to the first maximum", func(t *testing.T) {
		var ex struct {
			Input [][]float32 `json:"input_2x2"`
			Grad  [][]float32 `json:"grad_in_for_grad_out_1"`
		}
		require.NoError(t, json.Unmarshal(c["tie_gradient"], &ex))
		x := matrixTensor(ex.Input).RequiresGrad()
		y := MaxPool2d(x, PoolConfig{Kernel: 2, Stride: 2}) // "maxpool k2 s2"
		require.Equal(t, []int{1, 1, 1, 1}, y.Shape)
		y.Backward()
		assert.Equal(t, matrixTensor(ex.Grad).Data, x.Grad.Data)
	})

	t.Run("NaN propagates", func(t *testing.T) {
		var ex struct {
			Input  string `json:"input_2x2"`
			Output string `json:"maxpool_k2_output"`
		}
		require.NoError(t, json.Unmarshal(c["nan_propagation"], &ex))
		// The input is written with NaN, which JSON lacks: read NaN as null.
		var rows [][]*float64
		require.NoError(t, json.Unmarshal([]byte(strings.ReplaceAll(ex.Input, "NaN", "null")), &rows), ex.Input)
		m := make([][]float32, len(rows))
		nanAt := -1
		for i, r := range rows {
			for j, v := range r {
				if v == nil {
					m[i] = append(m[i], float32(math.NaN()))
					nanAt = i*len(r) + j
				} else {
					m[i] = append(m[i], float32(*v))
				}
			}
		}
		require.GreaterOrEqual(t, nanAt, 0, "the example holds a NaN")
		want, err := strconv.ParseFloat(ex.Output, 64)
		require.NoError(t, err)
		require.True(t, math.IsNaN(want))
		x := matrixTensor(m).RequiresGrad()
		y, idx := MaxPool2dIndices(x, PoolConfig{Kernel: 2})
		require.Len(t, y.Data, 1)
		assert.True(t, math.IsNaN(float64(y.Data[0])), "max of %s = %v", ex.Input, y.Data[0])
		assert.Equal(t, []int32{int32(nanAt)}, idx, "the NaN is the winner")
		y.Backward()
		for i, g := range x.Grad.Data {
			assert.Equal(t, float32(map[bool]int{true: 1}[i == nanAt]), g, "grad[%d]", i)
		}
	})
}

// matrixTensor turns rows of a 2-D example into a [1, 1, H, W] tensor.
func matrixTensor(rows [][]float32) *Tensor {
	var data []float32
	for _, r := range rows {
		data = append(data, r...)
	}
	return FromData(data, 1, 1, len(rows), len(rows[0]))
}

func TestCaseC21LargeLogits(t *testing.T) {
	c := readCase(t, "C21_ce_large_logits")
	var rtol float64
	require.NoError(t, json.Unmarshal(c["rtol"], &rtol))
	// Relative tolerance, with an absolute floor of rtol for expected zeros.
	tol := func(want float64) float64 { return rtol * max(math.Abs(want), 1) }
	finite := func(t *testing.T, what string, v []float32) {
		for i, x := range v {
			assert.False(t, math.IsNaN(float64(x)) || math.IsInf(float64(x), 0), "%s[%d] = %v", what, i, x)
		}
	}
	ceKey := regexp.MustCompile(`^ce_(\[[-0-9.e,]+\])_target([0-9]+)$`)
	softmaxKey := regexp.MustCompile(`^(log_)?softmax_(\[[-0-9.e,]+\])$`)
	seen := map[string]int{}
	for _, key := range sortedKeys(c) {
		raw := c[key]
		if m := ceKey.FindStringSubmatch(key); m != nil {
			seen["ce"]++
			logits := caseFloat32s(numberList(t, m[1]))
			target, err := strconv.Atoi(m[2])
			require.NoError(t, err)
			var want struct {
				Loss *float64  `json:"loss"`
				Grad []float64 `json:"grad_logits"`
			}
			require.NoError(t, json.Unmarshal(raw, &want), key)
			require.NotNil(t, want.Loss, key)
			t.Run(key, func(t *testing.T) {
				x := FromData(logits, 1, len(logits)).RequiresGrad()
				loss := CrossEntropy(x, []int{target}, CrossEntropyConfig{})
				finite(t, "loss", loss.Data)
				assert.InDelta(t, *want.Loss, float64(loss.Item()), tol(*want.Loss), "loss")
				loss.Backward()
				finite(t, "grad", x.Grad.Data)
				for i, g := range want.Grad {
					assert.InDelta(t, g, float64(x.Grad.Data[i]), tol(g), "grad[%d]", i)
				}
			})
			continue
		}
		if m := softmaxKey.FindStringSubmatch(key); m != nil {
			log := m[1] != ""
			seen[m[1]+"softmax"]++
			logits := caseFloat32s(numberList(t, m[2]))
			var want []float64
			require.NoError(t, json.Unmarshal(raw, &want), key)
			t.Run(key, func(t *testing.T) {
				x := FromData(logits, 1, len(logits)).RequiresGrad()
				var y *Tensor
				if log {
					y = LogSoftmax(x)
				} else {
					y = Softmax(x)
				}
				finite(t, "output", y.Data)
				require.Len(t, y.Data, len(want))
				for i := range want {
					assert.InDelta(t, want[i], float64(y.Data[i]), tol(want[i]), "[%d]", i)
				}
				gy := New(y.Shape...)
				for i := range gy.Data {
					gy.Data[i] = float32(1 - 2*(i%2))
				}
				y.BackwardWith(gy)
				finite(t, "grad", x.Grad.Data)
			})
		}
	}
	assert.Equal(t, map[string]int{"ce": 3, "softmax": 2, "log_softmax": 1}, seen, "cases found in expected.json")
}
