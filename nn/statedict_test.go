package nn

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// tinyModel is BatchNorm2d(2) then Linear(2->3): names "0.weight",
// "0.bias", "0.running_mean", "0.running_var", "0.num_batches_tracked",
// "1.weight", "1.bias".
func tinyModel() (*Sequential, *BatchNorm2dLayer, *LinearLayer) {
	bn := NewBatchNorm2dLayer(2)
	fc := NewLinearLayer(2, 3, rand.New(rand.NewPCG(1, 2)))
	return NewSequential(bn, fc), bn, fc
}

// tinyFile is a state dict for tinyModel with distinct values, the counter
// set to 5, each name prefixed with prefix.
func tinyFile(prefix string) *Safetensors {
	return &Safetensors{
		Floats: map[string]*Tensor{
			prefix + "0.weight":       FromData([]float32{2, 3}, 2),
			prefix + "0.bias":         FromData([]float32{-1, 1}, 2),
			prefix + "0.running_mean": FromData([]float32{0.5, -0.5}, 2),
			prefix + "0.running_var":  FromData([]float32{4, 9}, 2),
			prefix + "1.weight":       FromData([]float32{1, 2, 3, 4, 5, 6}, 3, 2),
			prefix + "1.bias":         FromData([]float32{7, 8, 9}, 3),
		},
		Ints: map[string]*IntTensor{prefix + "0.num_batches_tracked": {Shape: []int{}, Data: []int64{5}}},
	}
}

func TestLoadStateDict(t *testing.T) {
	all := []string{"0.bias", "0.num_batches_tracked", "0.running_mean", "0.running_var", "0.weight", "1.bias", "1.weight"}
	tests := []struct {
		name string
		file func() *Safetensors
		opts LoadOptions
		// want is the report; wantErr the error's parts ("" for success).
		want    LoadReport
		wantErr []string
	}{
		{name: "exact", file: func() *Safetensors { return tinyFile("") },
			want: LoadReport{Loaded: all}},
		{name: "module prefix stripped", file: func() *Safetensors { return tinyFile("module.") },
			want: LoadReport{Loaded: all}},
		{name: "module prefix kept, strict", file: func() *Safetensors { return tinyFile("module.") }, opts: LoadOptions{KeepPrefix: true},
			want: LoadReport{
				Missing:    []string{"0.bias", "0.running_mean", "0.running_var", "0.weight", "1.bias", "1.weight", "0.num_batches_tracked"},
				Unexpected: []string{"module.0.bias", "module.0.running_mean", "module.0.running_var", "module.0.weight", "module.1.bias", "module.1.weight", "module.0.num_batches_tracked"},
			},
			wantErr: []string{"missing keys (7): 0.bias", "unexpected keys (7): module.0.bias"}},
		{name: "prefix on some keys only is not stripped", file: func() *Safetensors {
			sd := tinyFile("")
			sd.Floats["module.1.bias"] = sd.Floats["1.bias"]
			delete(sd.Floats, "1.bias")
			return sd
		}, opts: LoadOptions{NonStrict: true},
			want: LoadReport{Loaded: []string{"0.bias", "0.running_mean", "0.running_var", "0.weight", "1.weight", "0.num_batches_tracked"}, Missing: []string{"1.bias"}, Unexpected: []string{"module.1.bias"}}},
		{name: "counter absent defaults to 0", file: func() *Safetensors {
			sd := tinyFile("")
			sd.Ints = nil
			return sd
		}, want: LoadReport{Loaded: []string{"0.bias", "0.running_mean", "0.running_var", "0.weight", "1.bias", "1.weight"}, DefaultedCounters: []string{"0.num_batches_tracked"}}},
		{name: "counter stored as a float", file: func() *Safetensors {
			sd := tinyFile("")
			sd.Ints = nil
			sd.Floats["0.num_batches_tracked"] = Scalar(5)
			return sd
		}, want: LoadReport{Loaded: all}},
		{name: "missing, strict", file: func() *Safetensors {
			sd := tinyFile("")
			delete(sd.Floats, "1.bias")
			return sd
		}, want: LoadReport{Loaded: []string{"0.bias", "0.running_mean", "0.running_var", "0.weight", "1.weight", "0.num_batches_tracked"}, Missing: []string{"1.bias"}},
			wantErr: []string{"missing keys (1): 1.bias"}},
		{name: "missing, non-strict", file: func() *Safetensors {
			sd := tinyFile("")
			delete(sd.Floats, "1.bias")
			return sd
		}, opts: LoadOptions{NonStrict: true},
			want: LoadReport{Loaded: []string{"0.bias", "0.running_mean", "0.running_var", "0.weight", "1.weight", "0.num_batches_tracked"}, Missing: []string{"1.bias"}}},
		{name: "unexpected, strict", file: func() *Safetensors {
			sd := tinyFile("")
			sd.Floats["2.weight"] = Scalar(1)
			sd.Ints["2.count"] = &IntTensor{Shape: []int{}, Data: []int64{1}}
			return sd
		}, want: LoadReport{Loaded: all, Unexpected: []string{"2.weight", "2.count"}},
			wantErr: []string{"unexpected keys (2): 2.weight, 2.count"}},
		{name: "unexpected, non-strict", file: func() *Safetensors {
			sd := tinyFile("")
			sd.Floats["2.weight"] = Scalar(1)
			return sd
		}, opts: LoadOptions{NonStrict: true}, want: LoadReport{Loaded: all, Unexpected: []string{"2.weight"}}},
		{name: "shape mismatch is an error even non-strict", file: func() *Safetensors {
			sd := tinyFile("")
			sd.Floats["1.weight"] = New(4, 2)
			sd.Floats["1.bias"] = New(4)
			return sd
		}, opts: LoadOptions{NonStrict: true},
			want: LoadReport{Loaded: []string{"0.bias", "0.running_mean", "0.running_var", "0.weight", "0.num_batches_tracked"},
				Mismatched: []Mismatch{{"1.bias", []int{4}, []int{3}}, {"1.weight", []int{4, 2}, []int{3, 2}}}},
			wantErr: []string{"size mismatch for 1.bias: checkpoint [4] vs model [3]; 1.weight: checkpoint [4 2] vs model [3 2]"}},
		{name: "counter with a shape", file: func() *Safetensors {
			sd := tinyFile("")
			sd.Ints["0.num_batches_tracked"] = &IntTensor{Shape: []int{2}, Data: []int64{1, 2}}
			return sd
		}, want: LoadReport{Loaded: []string{"0.bias", "0.running_mean", "0.running_var", "0.weight", "1.bias", "1.weight"}, Mismatched: []Mismatch{{"0.num_batches_tracked", []int{2}, []int{}}}},
			wantErr: []string{"0.num_batches_tracked: checkpoint [2] vs model []"}},
		{name: "skip mismatched", file: func() *Safetensors {
			sd := tinyFile("")
			sd.Floats["1.weight"] = New(4, 2)
			sd.Floats["1.bias"] = New(4)
			return sd
		}, opts: LoadOptions{SkipMismatched: true},
			want: LoadReport{Loaded: []string{"0.bias", "0.running_mean", "0.running_var", "0.weight", "0.num_batches_tracked"},
				Mismatched: []Mismatch{{"1.bias", []int{4}, []int{3}}, {"1.weight", []int{4, 2}, []int{3, 2}}}}},
		{name: "exclude the head", file: func() *Safetensors {
			sd := tinyFile("")
			delete(sd.Floats, "1.weight")
			sd.Floats["1.bias"] = New(1000)
			return sd
		}, opts: LoadOptions{Exclude: []string{"1."}},
			want: LoadReport{Loaded: []string{"0.bias", "0.running_mean", "0.running_var", "0.weight", "0.num_batches_tracked"}, Excluded: []string{"1.bias", "1.weight"}}},
		{name: "whole BatchNorm missing", file: func() *Safetensors {
			sd := tinyFile("")
			for _, k := range []string{"0.weight", "0.bias", "0.running_mean", "0.running_var"} {
				delete(sd.Floats, k)
			}
			sd.Ints = nil
			return sd
		}, opts: LoadOptions{NonStrict: true},
			want: LoadReport{Loaded: []string{"1.bias", "1.weight"}, Missing: []string{"0.bias", "0.running_mean", "0.running_var", "0.weight", "0.num_batches_tracked"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, bn, fc := tinyModel()
			before, _ := StateDict(m)
			snapshot := map[string][]float32{}
			for k, v := range before {
				snapshot[k] = append([]float32(nil), v.Data...)
			}
			file := tc.file()
			rep, err := LoadStateDict(m, file, tc.opts)
			require.NotNil(t, rep)
			require.ElementsMatch(t, tc.want.Loaded, rep.Loaded, "loaded")
			require.Equal(t, tc.want.Missing, rep.Missing, "missing")
			require.Equal(t, tc.want.Unexpected, rep.Unexpected, "unexpected")
			require.Equal(t, tc.want.Mismatched, rep.Mismatched, "mismatched")
			require.Equal(t, tc.want.Excluded, rep.Excluded, "excluded")
			require.Equal(t, tc.want.DefaultedCounters, rep.DefaultedCounters, "defaulted")
			after, _ := StateDict(m)
			if len(tc.wantErr) > 0 {
				var le *LoadError
				require.ErrorAs(t, err, &le)
				require.Same(t, rep, le.Report)
				for _, part := range tc.wantErr {
					require.ErrorContains(t, err, part)
				}
				for k, v := range after {
					require.Equal(t, snapshot[k], v.Data, "%s changed by a failed load", k)
				}
				require.Zero(t, bn.NumBatchesTracked)
				return
			}
			require.NoError(t, err)
			// Every loaded float tensor now holds the file's values, under
			// its name with any module. prefix stripped; the rest are as
			// they were.
			src := map[string]*Tensor{}
			for k, v := range file.Floats {
				src[strings.TrimPrefix(k, "module.")] = v
			}
			loaded := map[string]bool{}
			for _, k := range rep.Loaded {
				loaded[k] = true
			}
			for k, v := range after {
				if loaded[k] {
					require.Equal(t, src[k].Data, v.Data, k)
				} else {
					require.Equal(t, snapshot[k], v.Data, k)
				}
			}
			switch {
			case loaded["0.num_batches_tracked"]:
				require.EqualValues(t, 5, bn.NumBatchesTracked)
			default:
				require.Zero(t, bn.NumBatchesTracked)
			}
			require.Len(t, fc.Bias.Data, 3)
		})
	}
}

func TestStateDictSharesTensors(t *testing.T) {
	m, bn, _ := tinyModel()
	bn.NumBatchesTracked = 3
	floats, ints := StateDict(m)
	require.Len(t, floats, 6)
	require.Same(t, bn.RunningVar, floats["0.running_var"])
	require.Equal(t, &IntTensor{Shape: []int{}, Data: []int64{3}}, ints["0.num_batches_tracked"])
}

func TestLoadErrorAbbreviatesLongLists(t *testing.T) {
	m, _, _ := tinyModel()
	sd := tinyFile("")
	for i := 0; i < 20; i++ {
		sd.Floats["extra."+strings.Repeat("x", i+1)] = Scalar(0)
	}
	_, err := LoadStateDict(m, sd, LoadOptions{})
	require.ErrorContains(t, err, "unexpected keys (20)")
	require.ErrorContains(t, err, "... (8 more)")
}

func TestLoadErrorAbbreviatesManyMismatches(t *testing.T) {
	layers := make([]Module, 15)
	for i := range layers {
		layers[i] = NewLinearLayer(2, 2, rand.New(rand.NewPCG(1, uint64(i))))
	}
	m := NewSequential(layers...)
	sd := &Safetensors{Floats: map[string]*Tensor{}}
	floats, _ := StateDict(m)
	for k := range floats {
		sd.Floats[k] = New(3)
	}
	rep, err := LoadStateDict(m, sd, LoadOptions{})
	require.Len(t, rep.Mismatched, 30, "the report keeps every mismatch")
	require.ErrorContains(t, err, "size mismatch for 0.bias: checkpoint [3] vs model [2]; ")
	require.ErrorContains(t, err, "; ... (18 more)")
}

// A nil state dict, or a tensor whose data does not fill its shape (a
// hand-built map), is an error naming it, and the model is left alone.
func TestLoadStateDictRejectsBrokenTensors(t *testing.T) {
	m, _, fc := tinyModel()
	before := append([]float32(nil), fc.Weight.Data...)
	_, err := LoadStateDict(m, nil, LoadOptions{})
	require.ErrorContains(t, err, "nil state dict")

	sd := tinyFile("")
	sd.Floats["1.weight"] = &Tensor{Shape: []int{3, 2}, Data: []float32{1, 2}}
	_, err = LoadStateDict(m, sd, LoadOptions{})
	require.ErrorContains(t, err, "1.weight")
	require.ErrorContains(t, err, "holds 2 values, needs 6")
	require.Equal(t, before, fc.Weight.Data)
}
