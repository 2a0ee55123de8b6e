// Package bundled finds the Plant Seedlings subset shipped in the
// repository (data/seedlings-mini), so that the example programs run on a
// fresh clone without a -data flag, from the repository root or any folder
// below it.
package bundled

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Rel is the bundled data set's path relative to the repository root.
const Rel = "data/seedlings-mini"

// DataDir returns the bundled data folder: found from the working
// directory upwards, else next to this source file (which `go run` and
// `go test` builds record). The error says what to pass instead.
func DataDir() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		starts = append(starts, filepath.Dir(file))
	}
	for _, dir := range starts {
		for {
			p := filepath.Join(dir, Rel)
			if st, err := os.Stat(filepath.Join(p, "train")); err == nil && st.IsDir() {
				return p, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", errors.New("the bundled data set " + Rel + " was not found above the working directory; run from the repository or give -data DIR")
}

// SampleImage is a Charlock seedling of the bundled set's val split,
// relative to the data folder: the default photo of examples/dream and
// examples/features.
const SampleImage = "val/Charlock/104.png"

// Path returns rel (such as SampleImage or "val") inside the bundled data
// folder found by DataDir, and checks that it exists.
func Path(rel string) (string, error) {
	dir, err := DataDir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("bundled data: %w", err)
	}
	return p, nil
}
