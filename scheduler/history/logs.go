package history

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// LogLine is one captured log record of a run.
type LogLine struct {
	Time  time.Time      // UTC; zero if the record had no time
	Level string         // slog level name: "DEBUG", "INFO", "WARN", "ERROR", "INFO+2", ...
	Msg   string         // message
	Attrs map[string]any // attributes, groups as nested maps; JSON values (read back with json.Number)
}

// droppedKey is the attribute of the final marker line holding the count.
const droppedKey = "dropped"

// droppedLine is the final marker of a capped log: "... N lines dropped".
func droppedLine(n int, at time.Time) LogLine {
	word := "lines"
	if n == 1 {
		word = "line"
	}
	return LogLine{
		Time:  at,
		Level: "WARN",
		Msg:   fmt.Sprintf("... %d %s dropped", n, word),
		Attrs: map[string]any{droppedKey: n},
	}
}

// markerCount returns N if l is a "... N lines dropped" marker line.
func markerCount(l LogLine) (int, bool) {
	if !strings.HasPrefix(l.Msg, "... ") || len(l.Attrs) != 1 {
		return 0, false
	}
	var n int
	switch v := l.Attrs[droppedKey].(type) {
	case int:
		n = v
	case int64:
		n = int(v)
	case float64:
		n = int(v)
	case json.Number:
		i, err := v.Int64()
		if err != nil {
			return 0, false
		}
		n = int(i)
	default:
		return 0, false
	}
	return n, n > 0 && l.Msg == droppedLine(n, time.Time{}).Msg
}

// encodedLine is a log line ready to be stored.
type encodedLine struct {
	timeNS sql.NullInt64
	level  string
	msg    string
	attrs  sql.NullString
}

// size is what a line counts against a byte cap.
func (e *encodedLine) size() int { return len(e.level) + len(e.msg) + len(e.attrs.String) }

func encodeAttrs(attrs map[string]any) (sql.NullString, error) {
	if len(attrs) == 0 {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(attrs)
	if err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

// encodeLogs encodes lines and caps them to maxLines lines and maxBytes bytes
// (negative = no cap), keeping the first lines. Dropped lines are counted in a
// final marker line; a marker already at the end of lines (from a LogBuffer)
// is merged into it, so capping is idempotent.
func encodeLogs(lines []LogLine, maxLines, maxBytes int) ([]encodedLine, error) {
	dropped := 0
	var last time.Time
	if n := len(lines); n > 0 {
		if c, ok := markerCount(lines[n-1]); ok {
			dropped, last = c, lines[n-1].Time
			lines = lines[:n-1]
		}
	}
	n := len(lines)
	if maxLines >= 0 {
		n = min(n, maxLines)
	}
	out := make([]encodedLine, 0, n+1)
	total := 0
	for i, l := range lines {
		if maxLines >= 0 && len(out) >= maxLines {
			dropped += len(lines) - i
			last = latest(last, lines[len(lines)-1].Time)
			break
		}
		attrs, err := encodeAttrs(l.Attrs)
		if err != nil {
			return nil, fmt.Errorf("log line %d: attrs: %w", i, err)
		}
		e := encodedLine{timeNS: nanos(l.Time), level: l.Level, msg: l.Msg, attrs: attrs}
		if maxBytes >= 0 && total+e.size() > maxBytes {
			dropped += len(lines) - i
			last = latest(last, lines[len(lines)-1].Time)
			break
		}
		total += e.size()
		out = append(out, e)
	}
	if dropped > 0 {
		m := droppedLine(dropped, last.UTC())
		attrs, _ := encodeAttrs(m.Attrs)
		out = append(out, encodedLine{timeNS: nanos(m.Time), level: m.Level, msg: m.Msg, attrs: attrs})
	}
	return out, nil
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// decodeLogLine builds a LogLine from a stored row.
func decodeLogLine(timeNS sql.NullInt64, level, msg string, attrs sql.NullString) (LogLine, error) {
	l := LogLine{Time: fromNanos(timeNS), Level: level, Msg: msg}
	if attrs.Valid {
		dec := json.NewDecoder(strings.NewReader(attrs.String))
		dec.UseNumber()
		if err := dec.Decode(&l.Attrs); err != nil {
			return l, fmt.Errorf("log attrs: %w", err)
		}
	}
	return l, nil
}

// nanos converts t to stored unix nanoseconds; NULL for the zero time.
func nanos(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

// fromNanos converts stored unix nanoseconds to a UTC time; zero for NULL.
func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// encodeResult validates a result JSON value; NULL when empty.
func encodeResult(r json.RawMessage) (sql.NullString, error) {
	r = bytes.TrimSpace(r)
	if len(r) == 0 {
		return sql.NullString{}, nil
	}
	if !json.Valid(r) {
		return sql.NullString{}, fmt.Errorf("result is not valid JSON")
	}
	return sql.NullString{String: string(r), Valid: true}, nil
}

// encodeCalls encodes calls by action as a JSON object; NULL when empty.
func encodeCalls(m map[string]int) sql.NullString {
	if len(m) == 0 {
		return sql.NullString{}
	}
	b, _ := json.Marshal(m) // a map[string]int always encodes
	return sql.NullString{String: string(b), Valid: true}
}

func decodeCalls(s sql.NullString) (map[string]int, error) {
	if !s.Valid {
		return nil, nil
	}
	var m map[string]int
	if err := json.Unmarshal([]byte(s.String), &m); err != nil {
		return nil, fmt.Errorf("calls by action: %w", err)
	}
	return m, nil
}
