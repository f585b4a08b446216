// Command soracron runs Lua automations of Sora signaling notify metadata,
// on demand or on cron schedules, against Sora or its built-in emulator.
package main

import (
	"os"

	"github.com/soracron/soracron/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.Stdio()))
}
