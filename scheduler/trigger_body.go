package scheduler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MaxTriggerBody bounds the JSON body of a manual run (see
// DecodeTriggerOptions).
const MaxTriggerBody = 1 << 20

// DecodeTriggerOptions reads the optional JSON body of a manual run,
// {"args": {...}, "dry_run": true|false}, as the HTTP API's
// POST /api/jobs/{name}/run and the dashboard's run button send it: an
// empty body is no options, numbers keep their exact JSON text, and an
// unknown field, data after the object, a body cut short or one over
// MaxTriggerBody bytes is an error that says which, prefixed "body: ".
func DecodeTriggerOptions(body io.Reader) (TriggerOptions, error) {
	data, err := io.ReadAll(io.LimitReader(body, MaxTriggerBody+1))
	if err != nil {
		return TriggerOptions{}, fmt.Errorf("body: %w", err)
	}
	if len(data) > MaxTriggerBody {
		return TriggerOptions{}, fmt.Errorf("body: over %d bytes", MaxTriggerBody)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return TriggerOptions{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var opts TriggerOptions
	if err := dec.Decode(&opts); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("unexpected EOF: the JSON ended before the value was complete")
		}
		return TriggerOptions{}, fmt.Errorf(`body: want {"args": {...}, "dry_run": true|false}: %w`, err)
	}
	if dec.More() {
		return TriggerOptions{}, errors.New("body: unexpected data after the JSON object")
	}
	return opts, nil
}
