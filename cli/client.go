package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/soracron/soracron/cli/daemonclient"
	"github.com/soracron/soracron/cli/secretfile"
)

// clientFlags are the flags of the commands that talk to a running serve
// (jobs, runs, logs, trigger, suspend, resume).
type clientFlags struct {
	server    string
	tokenFile string
	output    string
}

func (f *clientFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.server, "server", daemonclient.DefaultServer, "URL of the daemon's HTTP API (serve --listen)")
	fs.StringVar(&f.tokenFile, "token-file", "", "file holding the API token (default: $SORACRON_TOKEN)")
	fs.StringVarP(&f.output, "output", "o", "table", "output format: table or json")
}

// newAPIClient checks the client flags and returns a client.
func newAPIClient(app *App, f *clientFlags) (*daemonclient.Client, error) {
	if f.output != "table" && f.output != "json" {
		return nil, usageErr(fmt.Errorf("--output %q: want table or json", f.output))
	}
	c, err := daemonclient.New(f.server)
	if err != nil {
		return nil, usageErr(err)
	}
	token := strings.TrimSpace(app.Getenv("SORACRON_TOKEN"))
	if f.tokenFile != "" {
		if token, err = secretfile.ReadToken(f.tokenFile, func(msg string) { fmt.Fprintln(app.Stderr, "warning:", msg) }); err != nil {
			return nil, usageErr(err)
		}
	}
	c.SetToken(token)
	return c, nil
}
