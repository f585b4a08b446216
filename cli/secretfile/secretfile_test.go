//go:build unix

package secretfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		data     string
		mode     os.FileMode
		wantErr  string
		wantWarn string
	}{
		{"owner only", "secret\n", 0o600, "", ""},
		{"owner read-only", "secret\n", 0o400, "", ""},
		{"group can read: warned", "secret\n", 0o640, "", "its group can read it (mode 0640)"},
		{"others can read: refused", "secret\n", 0o644, "other users can read it (mode 0644)", ""},
		{"others can write: refused", "secret\n", 0o602, "other users can read it (mode 0602)", ""},
		{"too large", strings.Repeat("x", MaxSize+1), 0o600, "larger than 65536 bytes", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
			if err := os.WriteFile(p, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tt.mode); err != nil {
				t.Fatal(err)
			}
			var warned string
			data, err := Read("--token-file", p, func(msg string) { warned = msg })
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want one containing %q", err, tt.wantErr)
				}
			case err != nil || string(data) != tt.data:
				t.Errorf("Read = %q, %v", data, err)
			}
			if !strings.Contains(warned, tt.wantWarn) || (tt.wantWarn == "" && warned != "") {
				t.Errorf("warning %q, want %q", warned, tt.wantWarn)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		if _, err := Read("--header-file", filepath.Join(dir, "none"), nil); err == nil || !strings.HasPrefix(err.Error(), "--header-file: ") {
			t.Errorf("error %v", err)
		}
	})
}

func TestReadToken(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, data, want, wantErr string
	}{
		{"one token", "t0ken\n", "t0ken", ""},
		{"spaces around it", "  t0ken  \n\n", "t0ken", ""},
		{"empty", "\n", "", "want one token on one line"},
		{"two tokens", "a b\n", "", "want one token on one line"},
		{"two lines", "a\nb\n", "", "want one token on one line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
			if err := os.WriteFile(p, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := ReadToken(p, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ReadToken = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
