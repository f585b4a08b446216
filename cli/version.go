package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Release builds stamp these with the linker, e.g.
//
//	go build -ldflags "-X github.com/soracron/soracron/cli.version=v1.2.3 \
//	  -X github.com/soracron/soracron/cli.buildTime=2026-12-07T05:00:00Z"
//
// They are never written at run time. Empty means "take it from the build
// information the Go toolchain embedded".
var (
	version   string
	revision  string
	buildTime string
)

// BuildInfo says which soracron this is.
type BuildInfo struct {
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

// readBuildInfo combines the toolchain's build information with the
// linker-stamped values, which win.
func readBuildInfo() BuildInfo {
	b := BuildInfo{Version: "(devel)", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
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
func (b BuildInfo) String() string {
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

func newVersionCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print soracron's version, commit, build time and Go version",
		Long: `Print the version (a release's tag, the module version Go derived from the
commit of a source build, or "(devel)" without VCS information), the commit
and its time, the build time (release builds only) and the Go version and
platform. "soracron --version" prints the same.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(app.Stdout, readBuildInfo())
			return nil
		},
	}
}
