package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
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

func TestParse(t *testing.T) {
	tests := []struct {
		args       []string
		code       int
		exit       bool
		wantOutput string
	}{
		{[]string{"-n", "3"}, 0, false, ""},
		{[]string{"-h"}, 0, true, "Usage of toy:"},
		{[]string{"-bogus"}, 1, true, "flag provided but not defined: -bogus"},
		{[]string{"-n", "x"}, 1, true, `invalid value "x" for flag -n`},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("", flag.ExitOnError)
		var out strings.Builder
		fs.SetOutput(&out)
		fs.Int("n", 1, "a number")
		code, exit := parse(fs, "toy", tt.args)
		assert.Equal(t, tt.code, code, "%q", tt.args)
		assert.Equal(t, tt.exit, exit, "%q", tt.args)
		assert.Contains(t, out.String(), tt.wantOutput, "%q", tt.args)
	}
}
