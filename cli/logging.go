package cli

import (
	"fmt"
	"log/slog"
)

// logWarn returns a warning printer to logger.
func logWarn(logger *slog.Logger) func(string) {
	return func(msg string) { logger.Warn(msg) }
}

// warnTo returns a warning printer to the command's stderr.
func warnTo(app *App) func(string) {
	return func(msg string) { fmt.Fprintf(app.Stderr, "soracron: warning: %s\n", msg) }
}
