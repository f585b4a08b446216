package flagenv

import "testing"

func TestContainsFlag(t *testing.T) {
	for _, tt := range []struct {
		msg, flag string
		want      bool
	}{
		{"--retries must not be negative", "--retries", true},
		{"--timeout x", "--timeout", true},
		{"--request-timeout x", "--timeout", false},
		{"--timeout-ms x", "--timeout", false},
		{"bad --log-level", "--log", false},
		{"(see --config)", "--config", true},
	} {
		if got := containsFlag(tt.msg, tt.flag); got != tt.want {
			t.Errorf("containsFlag(%q, %q) = %v", tt.msg, tt.flag, got)
		}
	}
}
