package outfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.txt")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	tests := []struct {
		name, path, wantErr string
	}{
		{"no output asked for", "", ""},
		{"existing folder", filepath.Join(dir, "out.png"), ""},
		{"current folder", "out.png", ""},
		{"missing folder", filepath.Join(dir, "nope", "out.png"), "-out " + filepath.Join(dir, "nope", "out.png") + ": folder " + filepath.Join(dir, "nope")},
		{"a file, not a folder", filepath.Join(file, "out.png"), file + " is not a folder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckDir("out", tc.path)
			if tc.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tc.wantErr)
		})
	}
}
