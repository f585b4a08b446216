package secretfile

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

// Check refuses a file that holds a secret (a token, headers, a TLS key)
// when users other than its owner and group have any access to it, and
// warns when its group does. what names the flag or key that gave the
// file.
func Check(what, path string, warn func(string)) error {
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

// MaxSize bounds what a secret file may hold.
const MaxSize = 64 << 10

// Read checks the mode of a secret file (Check), then reads it.
func Read(what, path string, warn func(string)) ([]byte, error) {
	if err := Check(what, path, warn); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s %s: larger than %d bytes; want a few lines", what, path, MaxSize)
	}
	return data, nil
}

// ReadToken reads the API token of --token-file (serve's, and the client
// commands'): one token on one line.
func ReadToken(path string, warn func(string)) (string, error) {
	data, err := Read("--token-file", path, warn)
	if err != nil {
		return "", err
	}
	token := strings.TrimSpace(string(data))
	if token == "" || strings.ContainsAny(token, " \t\r\n") {
		return "", fmt.Errorf("--token-file %s: want one token on one line", path)
	}
	return token, nil
}
