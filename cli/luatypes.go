package cli

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/luatypes"
)

// luarcName is the configuration file of the Lua language server.
const luarcName = ".luarc.json"

func newLuaTypesCmd(app *App) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "lua-types [DIR]",
		Short: "Write Lua language server definitions of soracron's modules, for editors",
		Long: `Write LuaLS (LuaCATS) definition files for every module and global soracron
scripts see (sora, json, log, time, run, strings, regexp, base64, hex, crypto, http,
testing, args, event) into DIR (default "types"), and a .luarc.json in the
current directory that points the Lua language server at them (Lua 5.1, no io
or debug library). Editors with the language server then complete module
members, show their documentation and flag unknown names and wrong argument
types. An existing .luarc.json is kept unless --force is given.

Exit codes: 0 written; 1 a file could not be written; 2 usage error.`,
		Example: `  soracron lua-types            # types/*.lua and .luarc.json
  soracron lua-types .luatypes --force`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "types"
			if len(args) == 1 {
				dir = args[0]
			}
			return runLuaTypes(app, dir, force)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing .luarc.json")
	return cmd
}

func runLuaTypes(app *App, dir string, force bool) error {
	files, err := luatypes.Files()
	if err != nil {
		return failErr(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return failErr(err)
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(files[name]), 0o644); err != nil {
			return failErr(err)
		}
	}
	fmt.Fprintf(app.Stderr, "soracron: wrote %s in %s\n", countOf(len(files), "definition file"), dir)
	rc := luatypes.LuaRC(filepath.ToSlash(dir))
	old, err := os.ReadFile(luarcName)
	switch {
	case err == nil && !force && !bytes.Equal(old, rc):
		fmt.Fprintf(app.Stderr, "soracron: kept the existing %s: add %q to its \"workspace.library\" (or run with --force)\n", luarcName, dir)
		return nil
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return failErr(err)
	}
	if err := os.WriteFile(luarcName, rc, 0o644); err != nil {
		return failErr(err)
	}
	fmt.Fprintf(app.Stderr, "soracron: wrote %s\n", luarcName)
	return nil
}
