package buildinfo

import "testing"

func TestBuildInfoString(t *testing.T) {
	tests := []struct {
		name string
		info Info
		want string
	}{
		{"release", Info{Version: "v1.2.3", Revision: "abc123", CommitTime: "2026-12-01T00:00:00Z",
			BuildTime: "2026-12-07T05:00:00Z", GoVersion: "go1.26.8", Platform: "linux/arm64"},
			"soracron v1.2.3\n  revision:    abc123\n  commit time: 2026-12-01T00:00:00Z\n  build time:  2026-12-07T05:00:00Z\n  go:          go1.26.8 linux/arm64\n"},
		{"source build with changes", Info{Version: "v0.0.0-20261207051543-34405fd57e14+dirty", Revision: "34405fd57e14", Modified: true,
			CommitTime: "2026-12-07T05:15:43Z", GoVersion: "go1.26.8", Platform: "linux/amd64"},
			"soracron v0.0.0-20261207051543-34405fd57e14+dirty\n  revision:    34405fd57e14 (modified)\n  commit time: 2026-12-07T05:15:43Z\n  build time:  unknown (stamped by release builds only)\n  go:          go1.26.8 linux/amd64\n"},
		{"no VCS", Info{Version: "(devel)", GoVersion: "go1.26.8", Platform: "darwin/arm64"},
			"soracron (devel)\n  revision:    unknown (built without VCS information)\n  build time:  unknown (stamped by release builds only)\n  go:          go1.26.8 darwin/arm64\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.info.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
