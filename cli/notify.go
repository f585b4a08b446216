package cli

import (
	"log/slog"

	"github.com/coreos/go-systemd/v22/daemon"
)

// notifier tells systemd (Type=notify) how serve is doing: READY=1 once the
// API listens and the schedules run, RELOADING=1 and READY=1 around a
// SIGHUP reload, STOPPING=1 on shutdown. Without $NOTIFY_SOCKET (not under
// systemd, or another Type=) it does nothing.
type notifier struct {
	logger *slog.Logger
}

func (n notifier) send(state string) {
	if _, err := daemon.SdNotify(false, state); err != nil {
		n.logger.Warn("systemd notification failed", slog.String("state", state), slog.Any("error", err))
	}
}

func (n notifier) ready(status string) { n.send(daemon.SdNotifyReady + "\nSTATUS=" + status) }
func (n notifier) reloading()          { n.send(daemon.SdNotifyReloading) }
func (n notifier) stopping() {
	n.send(daemon.SdNotifyStopping + "\nSTATUS=stopping: waiting for runs in progress")
}
