package jobs

import (
	"regexp"
	"strings"
	"testing"
)

// nameRE is the rule ValidName implements.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func TestValidName(t *testing.T) {
	tests := []struct {
		name, in string
		want     bool
	}{
		{"one letter", "a", true},
		{"one digit", "7", true},
		{"mixed", "Nightly.sync_job-2", true},
		{"64 characters", strings.Repeat("a", 64), true},
		{"65 characters", strings.Repeat("a", 65), false},
		{"empty", "", false},
		{"starts with a dot", ".a", false},
		{"starts with a dash", "-a", false},
		{"starts with an underscore", "_a", false},
		{"slash", "a/b", false},
		{"space", "a b", false},
		{"trailing newline", "a\n", false},
		{"non-ASCII letter", "é", false},
		{"non-ASCII after a letter", "aé", false},
		{"NUL byte", "a\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidName(tt.in); got != tt.want || got != nameRE.MatchString(tt.in) {
				t.Errorf("ValidName(%q) = %v, want %v (the expression says %v)", tt.in, got, tt.want, nameRE.MatchString(tt.in))
			}
		})
	}
}

// FuzzValidName holds ValidName to the regular expression it replaces.
func FuzzValidName(f *testing.F) {
	for _, s := range []string{"a", "job-1", ".x", strings.Repeat("z", 64), "a\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidName(s), nameRE.MatchString(s); got != want {
			t.Fatalf("ValidName(%q) = %v, the expression says %v", s, got, want)
		}
	})
}
