package faults

import (
	"testing"
	"time"
)

func TestParseLatency(t *testing.T) {
	tests := []struct {
		in   string
		want Latency
		err  string
	}{
		{"", Latency{}, ""},
		{"0", Latency{}, ""},
		{"50ms", Latency{50 * time.Millisecond, 50 * time.Millisecond}, ""},
		{"5ms-50ms", Latency{5 * time.Millisecond, 50 * time.Millisecond}, ""},
		{" 1s - 2s ", Latency{time.Second, 2 * time.Second}, ""},
		{"fast", Latency{}, `latency "fast": want a duration like 50ms or a range like 5ms-50ms`},
		{"5ms-", Latency{}, `latency "5ms-": want a duration like 50ms or a range like 5ms-50ms`},
		{"50ms-5ms", Latency{}, "latency 50ms: the range ends before it starts"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLatency(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
			if s := got.String(); tt.in != "" && tt.in != "0" {
				back, err := ParseLatency(s)
				if err != nil || back != got {
					t.Errorf("String %q does not parse back: %v %v", s, back, err)
				}
			}
		})
	}
}
