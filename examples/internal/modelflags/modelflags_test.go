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
