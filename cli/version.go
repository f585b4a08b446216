package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/cli/buildinfo"
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

// BuildInfo says which soracron this is (package buildinfo).
type BuildInfo = buildinfo.Info

// readBuildInfo combines the toolchain's build information with the
// linker-stamped values, which win.
func readBuildInfo() BuildInfo { return buildinfo.Read(version, revision, buildTime) }

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
