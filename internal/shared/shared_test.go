package shared

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// recorder is a testing.TB that records Skipf and Fatalf instead of
// stopping the test, so that Path's choices can be checked.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestPath(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "reference"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "reference", "x.safetensors"), nil, 0o644))
	tests := []struct {
		name, rel, require string
		skip, fail         bool
	}{
		{name: "present", rel: "reference/x.safetensors"},
		{name: "folder", rel: "reference"},
		{name: "absent, optional", rel: "reference/y.safetensors", skip: true},
		{name: "absent, required", rel: "reference/y.safetensors", require: "1", fail: true},
		{name: "present, required", rel: "reference/x.safetensors", require: "1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SEEDLING_SHARED", dir)
			t.Setenv(EnvRequire, tc.require)
			r := &recorder{TB: t}
			p := Path(r, tc.rel)
			require.Equal(t, filepath.Join(dir, tc.rel), p)
			require.Equal(t, tc.fail, r.failed != "", "failed: %q", r.failed)
			if !tc.fail { // a real Fatalf never returns to reach Skipf
				require.Equal(t, tc.skip, r.skipped != "", "skipped: %q", r.skipped)
			}
			if tc.skip {
				require.Contains(t, r.skipped, EnvRequire+"=1")
			}
			if tc.fail {
				require.Contains(t, r.failed, "is required")
			}
		})
	}
}

func TestRoot(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SEEDLING_SHARED", dir)
	got, ok := Root()
	require.True(t, ok)
	require.Equal(t, dir, got)

	t.Setenv("SEEDLING_SHARED", filepath.Join(dir, "absent"))
	_, ok = Root()
	require.False(t, ok)

	// A file is not a shared folder.
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	t.Setenv("SEEDLING_SHARED", file)
	_, ok = Root()
	require.False(t, ok)
}
