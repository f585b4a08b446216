package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
)

// checkSecretFile refuses a file that holds a secret (a token, headers, a
// TLS key) when users other than its owner and group have any access to it,
// and warns when its group does: group access is how systemd's
// LoadCredential= and Kubernetes Secret volumes with an fsGroup hand a file
// to the service, so it is allowed, but worth a look. what names the flag or
// key that gave the file. (Windows has no such modes; nothing is checked.)
func checkSecretFile(what, path string, warn func(string)) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	perm := fi.Mode().Perm()
	if perm&0o007 != 0 {
		return fmt.Errorf("%s %s: other users can read it (mode %04o); it holds a secret: chmod 600 it (or 640 for a group the service runs in)", what, path, perm)
	}
	if perm&0o070 != 0 && warn != nil {
		warn(fmt.Sprintf("%s %s: its group can read it (mode %04o); chmod 600 it unless the service reads it through that group", what, path, perm))
	}
	return nil
}

// checkKeyFile checks a TLS client key's mode (when one is given).
func checkKeyFile(what, path string, warn func(string)) error {
	if path == "" {
		return nil
	}
	return checkSecretFile(what, path, warn)
}

// maxSecretFile bounds what a secret file may hold.
const maxSecretFile = 64 << 10

// readSecretFile checks the mode of a secret file, then reads it.
func readSecretFile(what, path string, warn func(string)) ([]byte, error) {
	if err := checkSecretFile(what, path, warn); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(data) > maxSecretFile {
		return nil, fmt.Errorf("%s %s: larger than %d bytes; want a few lines", what, path, maxSecretFile)
	}
	return data, nil
}

// readHeaderFile reads --header-file: one 'Name: value' a line; blank
// lines and lines starting with # are skipped. A name given twice is sent
// twice.
func readHeaderFile(path string, warn func(string)) (http.Header, error) {
	data, err := readSecretFile("--header-file", path, warn)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, err := parseHeader(line)
		if err != nil {
			// The line may be a bare token: never echo it.
			return nil, fmt.Errorf("--header-file %s:%d: %w", path, n, err)
		}
		h.Add(name, value)
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("--header-file %s: no header in it; want lines 'Name: value'", path)
	}
	return h, nil
}

// warnTo returns a warning printer to the command's stderr.
func warnTo(app *App) func(string) {
	return func(msg string) { fmt.Fprintf(app.Stderr, "soracron: warning: %s\n", msg) }
}
