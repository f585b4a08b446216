package history

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Caps of the text a run stores and the API serves. A longer error or result
// is cut and says so (CutText); a longer log message or attribute value is cut
// the same way at capture.
const (
	// MaxErrorBytes caps a run's error text.
	MaxErrorBytes = 64 << 10
	// MaxResultBytes caps the JSON of a run's result; a longer result is
	// replaced by a JSON string holding its start and the cut marker.
	MaxResultBytes = 64 << 10
	// MaxLogValueBytes caps a log line's message and each string attribute.
	MaxLogValueBytes = 16 << 10
)

// CutText returns s if it has at most max bytes, else its start (cut at a
// UTF-8 boundary) followed by " ... [cut: SIZE, kept KEPT]", naming the
// original size, in at most max bytes in all.
func CutText(s string, max int) string {
	if max < 0 || len(s) <= max {
		return s
	}
	return cutAt(s, max, len(s))
}

// markerRoom is the room kept for the cut marker.
const markerRoom = 48

// cutAt cuts s (whose original length was total) with the marker, to at
// most max bytes.
func cutAt(s string, limit, total int) string {
	k := min(limit-markerRoom, len(s))
	for k > 0 && k < len(s) && !utf8.RuneStart(s[k]) {
		k--
	}
	k = max(k, 0)
	return s[:k] + fmt.Sprintf(" ... [cut: %s, kept %s]", FormatBytes(total), FormatBytes(k))
}

// cutResult returns the JSON result data if it has at most max bytes, else a
// JSON string holding its cut text (see CutText).
func cutResult(data []byte, max int) []byte {
	if max < 0 || len(data) <= max {
		return data
	}
	return cutResultAt(string(data), max, len(data))
}

// cutResultAt returns, as a JSON string of at most max bytes, the cut text
// of the JSON s (originally total bytes).
func cutResultAt(s string, max, total int) []byte {
	limit := max
	for {
		out, err := json.Marshal(cutAt(s, limit, total))
		if err != nil { // cannot happen: a string always encodes
			return []byte(`"[cut]"`)
		}
		if len(out) <= max || limit <= markerRoom {
			return out
		}
		limit -= len(out) - max
	}
}

// FormatBytes formats n bytes as "512 B", "64 KiB", "30.0 MiB".
func FormatBytes(n int) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		if n%(1<<10) == 0 {
			return fmt.Sprintf("%d KiB", n>>10)
		}
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
}
