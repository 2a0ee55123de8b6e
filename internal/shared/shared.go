// Package shared locates the project's shared test data (the PyTorch
// reference tensors, the real-world failure cases and the Plant Seedlings
// images), which live in a folder named "shared" beside the repository.
//
// Tests call Dir or Path. When the folder is absent (a user's fresh clone)
// the test is skipped with a message; when the environment variable
// SEEDLING_REQUIRE_SHARED is set to 1 (as .ci/run does) a missing folder is
// a test failure instead, so CI never skips these tests silently.
package shared

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// EnvRequire is the environment variable that makes shared data mandatory.
const EnvRequire = "SEEDLING_REQUIRE_SHARED"

// Root returns the path of the shared folder and whether it exists. The
// folder is $SEEDLING_SHARED when set, else ../shared beside the module root.
func Root() (string, bool) {
	dir := os.Getenv("SEEDLING_SHARED")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		// file is <module>/internal/shared/shared.go
		dir = filepath.Join(filepath.Dir(file), "..", "..", "..", "shared")
	}
	dir = filepath.Clean(dir)
	st, err := os.Stat(dir)
	return dir, err == nil && st.IsDir()
}

// Path returns the path of rel inside the shared folder. If that file or
// folder does not exist, the test is skipped, or fails when shared data is
// required.
func Path(t testing.TB, rel string) string {
	t.Helper()
	root, _ := Root()
	p := filepath.Join(root, rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("shared test data %s is required (%s=1) but missing: %v", p, EnvRequire, err)
		}
		t.Skipf("shared test data not found (%s); skipping. Set %s=1 to make this a failure.", p, EnvRequire)
	}
	return p
}
