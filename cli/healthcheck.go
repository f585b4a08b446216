package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/soracron/soracron/cli/daemonclient"
)

type healthcheckFlags struct {
	listen  string
	timeout time.Duration
}

// newHealthcheckCmd is the probe of container images that have no curl:
// Docker's HEALTHCHECK and Kubernetes exec probes run the binary itself.
// Hidden: it is plumbing, not something people type.
func newHealthcheckCmd(app *App) *cobra.Command {
	var f healthcheckFlags
	cmd := &cobra.Command{
		Use:   "healthcheck [URL]",
		Short: "Exit 0 when serve's GET /healthz answers 200 (for container health checks)",
		Long: `Ask a running serve whether it is healthy: GET URL (default
http://LISTEN/healthz, where LISTEN is --listen, so $SORACRON_LISTEN set for serve
applies here too; 0.0.0.0 and :: are asked on loopback). /healthz needs no token.

Exit codes: 0 healthy (200); 1 unhealthy (no answer, or another status, such as
503 while shutting down); 2 usage error.`,
		Example: `  soracron healthcheck
  soracron healthcheck http://127.0.0.1:8080/healthz`,
		Hidden: true,
		Args:   cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			url := ""
			if len(args) == 1 {
				url = args[0]
			}
			return runHealthcheck(cmd.Context(), app, &f, url)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "serve's --listen address, when no URL is given")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Second, "give up after this long")
	return cmd
}

func runHealthcheck(ctx context.Context, app *App, f *healthcheckFlags, url string) error {
	if url == "" {
		var err error
		if url, err = daemonclient.HealthURL(f.listen); err != nil {
			return usageErr(err)
		}
	}
	if f.timeout <= 0 {
		return usageErr(errors.New("--timeout must be positive"))
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	body, err := daemonclient.Health(ctx, url)
	if err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "healthy: %s", body)
	return nil
}
