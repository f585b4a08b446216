package updateall

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/soracron/soracron/bindings/sora/soraerr"
)

// op is the name of the Lua function the warning speaks for.
const op = "sora.update_all"

// Warn logs, on log, the warning that ends an UpdateAll that did not all
// go well, and nothing when it ran to the end (completed), ctx did not end
// (stopped false) and no write failed; cbErr tells that the callback
// stopped it. The connections of each kind but unchanged are named by their
// ids when there are at most MaxLoggedIDs of each, else by the name of a
// JSON file in reportDir that lists them all, which Warn returns ("" when
// none was written).
func (sum *Summary) Warn(log *slog.Logger, channelID, reportDir string, completed, stopped, cbErr bool) (idsFile string) {
	if completed && !stopped && sum.Failed == 0 {
		return ""
	}
	msg := "sora.update_all: writes failed"
	switch {
	case stopped:
		// The run is ending (timeout or cancellation) and the script will
		// not see the summary.
		msg = "sora.update_all: stopped before the end"
	case !completed || cbErr:
		msg = "sora.update_all: stopped by an error"
	}
	attrs := []any{"channel_id", channelID, "connections", sum.Connections, "written", len(sum.Written),
		"failed", sum.Failed, "gone", len(sum.Gone), "not_reached", len(sum.NotReached), "unchanged", sum.Unchanged}
	ids, idsFile := sum.idAttrs(log, channelID, reportDir)
	attrs = append(attrs, ids...)
	if sum.Failed > 0 {
		e := sum.Errors[0]
		attrs = append(attrs, "error", soraerr.Classify(e.Err, e.Target).Format(op, e.Key))
	}
	log.Warn(msg, attrs...)
	return idsFile
}

// idAttrs returns the log attributes naming the connections of each kind
// but unchanged: their ids when there are at most MaxLoggedIDs of each,
// else the name of a JSON file that lists them all (also returned as
// idsFile; a failure to write it is logged on log).
func (sum *Summary) idAttrs(log *slog.Logger, channelID, reportDir string) (attrs []any, idsFile string) {
	lists := []struct {
		key string
		ids []string
	}{{"written", sum.Written}, {"failed", sum.NotWritten}, {"gone", sum.Gone}, {"not_reached", sum.NotReached}}
	many := false
	for _, l := range lists {
		many = many || len(l.ids) > MaxLoggedIDs
	}
	if many {
		name, err := sum.writeIDsFile(channelID, reportDir)
		if err == nil {
			return []any{"ids_file", name}, name
		}
		log.Warn("sora.update_all: cannot write the file of connection ids", "error", err)
	}
	for _, l := range lists {
		if len(l.ids) > 0 {
			attrs = append(attrs, l.key+"_ids", someIDs(l.ids))
		}
	}
	return attrs, ""
}

// writeIDsFile writes the ids of every kind of connection of sum to a new
// JSON file in dir and returns its name.
func (sum *Summary) writeIDsFile(channelID, dir string) (string, error) {
	f, err := os.CreateTemp(dir, "soracron-update_all-*.json")
	if err != nil {
		return "", err
	}
	nonNil := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	err = json.NewEncoder(f).Encode(map[string]any{
		"channel_id": channelID, "connections": sum.Connections, "unchanged": sum.Unchanged,
		"written": nonNil(sum.Written), "failed": nonNil(sum.NotWritten), "gone": nonNil(sum.Gone), "not_reached": nonNil(sum.NotReached),
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

// MaxLoggedIDs bounds the connection ids one log line lists.
const MaxLoggedIDs = 100

// someIDs returns ids (sorted) for a log line: all of them up to
// MaxLoggedIDs, then the count of the rest.
func someIDs(ids []string) string {
	if len(ids) <= MaxLoggedIDs {
		return strings.Join(ids, ",")
	}
	return strings.Join(ids[:MaxLoggedIDs], ",") + fmt.Sprintf(",... (%d more)", len(ids)-MaxLoggedIDs)
}
