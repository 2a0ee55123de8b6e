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
