package bundled

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDataDirFromBelowTheRoot(t *testing.T) {
	// The test runs in examples/internal/bundled, three levels below the root.
	dir, err := DataDir()
	require.NoError(t, err)
	entries, err := os.ReadDir(filepath.Join(dir, "train"))
	require.NoError(t, err)
	require.Len(t, entries, 12, "one folder per class")
}

func TestPath(t *testing.T) {
	dir, err := DataDir()
	require.NoError(t, err)
	tests := []struct {
		rel     string
		want    string
		wantErr string
	}{
		{SampleImage, filepath.Join(dir, "val", "Charlock", "104.png"), ""},
		{"val", filepath.Join(dir, "val"), ""},
		{"val/Charlock/no-such.png", "", "no-such.png"},
	}
	for _, tc := range tests {
		t.Run(tc.rel, func(t *testing.T) {
			got, err := Path(tc.rel)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.True(t, filepath.IsAbs(got), "an absolute path stays right after a chdir")
		})
	}
}
