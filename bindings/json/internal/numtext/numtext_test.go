package numtext

import "testing"

func TestSignificantDigits(t *testing.T) {
	for s, want := range map[string]int{"0": 0, "-0.0": 0, "1": 1, "100": 1, "0.00120": 2, "-12.5e3": 3,
		"9007199254740993": 16, "1.0000000000000001": 17, "120034": 6} {
		if got := SignificantDigits(s); got != want || got != len(Parse(s).Digits) {
			t.Errorf("SignificantDigits(%q) = %d, want %d", s, got, want)
		}
	}
}

// TestCompare: the exact value of number texts, whatever their spelling.
func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1e2", "100.0", 0},
		{"0", "-0.0e5", 0},
		{"9007199254740993", "9007199254740992", 1},
		{"-1", "1", -1},
		{"0.30000000000000000001", "0.3", 1},
		{"-2e-400", "-1e-400", -1},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			if got := Compare(Parse(tt.a), Parse(tt.b)); got != tt.want {
				t.Errorf("Compare = %d, want %d", got, tt.want)
			}
		})
	}
}
