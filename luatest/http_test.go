package luatest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRunAllowHTTP: t.run's allow_http lets the script's http module reach
// a host; without it the request is refused.
func TestRunAllowHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "pong") }))
	defer srv.Close()
	test := strings.ReplaceAll(`local t = require("testing")
t.test("allowed", function()
  local body, err = t.run("ping.lua", {url = "URL"}, {allow_http = {"127.0.0.1"}})
  t.eq(err, nil)
  t.eq(body, "pong")
end)
t.test("off", function()
  local body, err = t.run("ping.lua", {url = "URL"})
  t.eq(body, nil)
  t.truthy(err.message:find("http is off", 1, true), err.message)
end)
t.test("bad option", function()
  t.error_matches(function() t.run("ping.lua", {}, {allow_http = "127.0.0.1"}) end, "allow_http must be a list")
end)
`, "URL", srv.URL)
	sum, c := runLua(t, map[string]string{
		"ping.lua":      `return assert(require("http").get(args.url)).body`,
		"main_test.lua": test,
	}, Options{})
	if sum.Passed != 3 || sum.Failed != 0 {
		t.Errorf("%+v %+v", sum, c.results)
	}
}
