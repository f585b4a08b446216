package luatest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Suffix ends the name of every Lua test file.
const Suffix = "_test.lua"

// Find returns the Lua test files under paths, sorted and without
// duplicates. A directory is searched recursively for files named
// *_test.lua, skipping directories named testdata and those whose name
// starts with "." or "_" (as go test does), unless such a directory is
// given itself. A file given explicitly is a test file whatever its name.
// A path that does not exist is an error; so is finding no test file.
func Find(paths []string) ([]string, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var files []string
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			return nil, fmt.Errorf("test path: %w", err)
		}
		if !info.IsDir() {
			files = append(files, filepath.Clean(root))
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(name, Suffix) && d.Type().IsRegular() {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("test path: %w", err)
		}
	}
	slices.Sort(files)
	files = slices.Compact(files)
	if len(files) == 0 {
		return nil, errors.New("no test files: no *" + Suffix + " under " + strings.Join(paths, ", "))
	}
	return files, nil
}
