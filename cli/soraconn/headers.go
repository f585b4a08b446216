package soraconn

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/soracron/soracron/cli/secretfile"
)

// parseHeaders turns 'Name: value' flags into an http.Header.
func parseHeaders(list []string) (http.Header, error) {
	h := http.Header{}
	for _, s := range list {
		name, value, err := parseHeader(s)
		if err != nil {
			return nil, fmt.Errorf("--header %q: %w", s, err)
		}
		h.Add(name, value)
	}
	return h, nil
}

// parseHeader splits one 'Name: value' header.
func parseHeader(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return "", "", errors.New("want 'Name: value'")
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }); i >= 0 {
		return "", "", fmt.Errorf("control character %q at byte %d (a CR or LF would split the request)", s[i], i)
	}
	if i := strings.IndexFunc(name, func(r rune) bool { return !isTokenChar(r) }); i >= 0 {
		return "", "", fmt.Errorf("%q is not allowed in a header name", name[i])
	}
	return http.CanonicalHeaderKey(name), strings.TrimSpace(value), nil
}

// requestHeaders gathers the headers to send, each name from the first of:
// --header, --header-file, and Authorization: Bearer $SORA_API_TOKEN.
// Warnings (a secret file the group can read) go to warn.
func (f *Flags) requestHeaders(getenv func(string) string, warn func(string)) (http.Header, error) {
	h := http.Header{}
	if token := strings.TrimSpace(getenv(TokenEnv)); token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	if f.headerFile != "" {
		fh, err := readHeaderFile(f.headerFile, warn)
		if err != nil {
			return nil, err
		}
		for k, v := range fh {
			h[k] = v
		}
	}
	fl, err := parseHeaders(f.headers)
	if err != nil {
		return nil, err
	}
	for k, v := range fl {
		h[k] = v
	}
	return h, nil
}

// isTokenChar reports whether r may appear in an HTTP header name (an RFC
// 9110 token character).
func isTokenChar(r rune) bool {
	return r < 0x7f && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r))
}

// readHeaderFile reads --header-file: one 'Name: value' a line; blank
// lines and lines starting with # are skipped. A name given twice is sent
// twice.
func readHeaderFile(path string, warn func(string)) (http.Header, error) {
	data, err := secretfile.Read("--header-file", path, warn)
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

// checkKeyFile checks a TLS client key's mode (when one is given).
func checkKeyFile(what, path string, warn func(string)) error {
	if path == "" {
		return nil
	}
	return secretfile.Check(what, path, warn)
}
