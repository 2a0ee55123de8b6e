package cli

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestErrorLine(t *testing.T) {
	tests := []struct {
		name, prog string
		err        error
		want       string
	}{
		{"plain error gets the prefix", "predict", errors.New("-top -1 must be >= 0"), "predict: -top -1 must be >= 0"},
		{"own package's error keeps one prefix", "cam", errors.New(`cam: unknown method "foo"`), `cam: unknown method "foo"`},
		{"wrapped own package's error", "cam", fmt.Errorf("cam: %w", errors.New("resnet: unknown tap")), "cam: resnet: unknown tap"},
		{"another package's error gets the prefix", "dream", errors.New("resnet: unknown tap"), "dream: resnet: unknown tap"},
		{"a longer name is not the program's", "cam", errors.New("camera: off"), "cam: camera: off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ErrorLine(tt.prog, tt.err))
		})
	}
}
