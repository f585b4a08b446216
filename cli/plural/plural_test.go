package plural

import "testing"

func TestOf(t *testing.T) {
	tests := []struct {
		name string
		n    int
		want string
	}{
		{"zero", 0, "0 calls"},
		{"one", 1, "1 call"},
		{"many", 12, "12 calls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Of(tt.n, "call"); got != tt.want {
				t.Errorf("Of(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}
