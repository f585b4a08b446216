package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soracron/soracron/cli"
)

func TestLuaTypes(t *testing.T) {
	checkDir(t, map[string]string{})
	run := func(args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		code := cli.Execute(context.Background(), append([]string{"lua-types"}, args...), cli.App{Stdout: &stdout, Stderr: &stderr})
		return code, stderr.String()
	}
	code, stderr := run()
	if code != 0 || !strings.Contains(stderr, "wrote 13 definition files in types") || !strings.Contains(stderr, "wrote .luarc.json") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	for _, f := range []string{"sora.lua", "json.lua", "testing.lua", "http.lua", "run.lua", "globals.lua"} {
		data, err := os.ReadFile(filepath.Join("types", f))
		if err != nil || !strings.HasPrefix(string(data), "---@meta") {
			t.Errorf("types/%s: %v", f, err)
		}
	}
	rc, err := os.ReadFile(".luarc.json")
	if err != nil || !strings.Contains(string(rc), `"workspace.library": [`) || !strings.Contains(string(rc), `"types"`) {
		t.Fatalf(".luarc.json: %s %v", rc, err)
	}
	if err := os.WriteFile(".luarc.json", []byte(`{"mine": true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stderr = run("editor/types")
	if data, _ := os.ReadFile(".luarc.json"); code != 0 || string(data) != `{"mine": true}` || !strings.Contains(stderr, `kept the existing .luarc.json: add "editor/types"`) {
		t.Errorf("exit %d, stderr %s, .luarc.json %s", code, stderr, data)
	}
	code, _ = run("editor/types", "--force")
	if data, _ := os.ReadFile(".luarc.json"); code != 0 || !strings.Contains(string(data), `"editor/types"`) {
		t.Errorf("--force: exit %d, .luarc.json %s", code, data)
	}
}
