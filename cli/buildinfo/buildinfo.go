package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Info says which soracron this is.
type Info struct {
	// Version is the release version, the module version the toolchain
	// derived from the VCS (v0.0.0-DATE-REV), or "(devel)".
	Version string
	// Revision is the VCS commit the binary was built from ("" when unknown).
	Revision string
	// Modified is true when the work tree had uncommitted changes.
	Modified bool
	// CommitTime is the time of Revision (RFC 3339, "" when unknown).
	CommitTime string
	// BuildTime is the build time stamped by release builds ("" otherwise).
	BuildTime string
	// GoVersion is the Go toolchain that built the binary.
	GoVersion string
	// Platform is GOOS/GOARCH.
	Platform string
}

// Read combines the toolchain's build information with the values release
// builds stamp with the linker (version, revision, buildTime; "" when not
// stamped), which win.
func Read(version, revision, buildTime string) Info {
	b := Info{Version: "(devel)", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			b.Version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			b.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.time":
				b.CommitTime = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if version != "" {
		b.Version = version
	}
	if revision != "" {
		b.Revision = revision
	}
	b.BuildTime = buildTime
	return b
}

// String renders the build information as `soracron --version` prints it.
func (b Info) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "soracron %s\n", b.Version)
	rev := b.Revision
	if rev == "" {
		rev = "unknown (built without VCS information)"
	} else if b.Modified {
		rev += " (modified)"
	}
	fmt.Fprintf(&sb, "  revision:    %s\n", rev)
	if b.CommitTime != "" {
		fmt.Fprintf(&sb, "  commit time: %s\n", b.CommitTime)
	}
	bt := b.BuildTime
	if bt == "" {
		bt = "unknown (stamped by release builds only)"
	}
	fmt.Fprintf(&sb, "  build time:  %s\n", bt)
	fmt.Fprintf(&sb, "  go:          %s %s\n", b.GoVersion, b.Platform)
	return sb.String()
}
