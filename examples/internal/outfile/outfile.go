// Package outfile checks the output paths of the example programs before
// they do minutes of work whose result they could not then save.
package outfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// CheckDir returns an error naming the flag and the path when the folder
// that path would be written into does not exist or is not a folder. An
// empty path (no output asked for) passes.
func CheckDir(flag, path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("-%s %s: folder %s: %w", flag, path, dir, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("-%s %s: %s is not a folder", flag, path, dir)
	}
	return nil
}
