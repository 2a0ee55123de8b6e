package modelflags

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNumericNames(t *testing.T) {
	tests := []struct {
		names []string
		want  bool
	}{
		{[]string{"0", "1", "2"}, true},
		{[]string{"0"}, true},
		{nil, false},
		{[]string{"1", "2"}, false},
		{[]string{"0", "2"}, false},
		{[]string{"Black-grass", "Charlock"}, false},
		{[]string{"00", "01"}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, NumericNames(tt.names), "%q", tt.names)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		f    Flags
		want string // "" for no error
	}{
		{Flags{Model: "m.safetensors"}, ""},
		{Flags{Weights: "w.pth"}, ""},
		{Flags{}, "-model or -weights is required"},
		{Flags{Model: "m.safetensors", Weights: "w.pth"}, "-model m.safetensors and -weights w.pth: give one, not both"},
	}
	for _, tt := range tests {
		err := tt.f.Check()
		if tt.want == "" {
			assert.NoError(t, err, "%+v", tt.f)
			continue
		}
		assert.ErrorContains(t, err, tt.want, "%+v", tt.f)
		_, _, loadErr := tt.f.Load()
		assert.Equal(t, err, loadErr, "Load checks first: %+v", tt.f)
	}
}
