package jobs

import (
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Event types of Sora's event webhook that a job may run on (`on:`).
var EventTypes = []string{
	"connection.created", "connection.updated", "connection.destroyed",
	"recording.started", "recording.report",
}

// Roles a trigger may filter on.
var roles = []string{"sendrecv", "sendonly", "recvonly"}

// eventKeys are the keys of an `on:` entry written as a mapping.
var eventKeys = []string{"type", "channel_id", "role"}

// Trigger is one entry of a job's `on:` list: an event type and an optional
// filter.
type Trigger struct {
	// Type is the event type, e.g. connection.created.
	Type string
	// ChannelID, when set, is a pattern the event's channel_id must match
	// (path.Match syntax: "room-*", "lobby").
	ChannelID string
	// Role, when set, is the role the event's connection must have, read
	// from the event's "role" field (which the vendor's documentation, as
	// far as soracron could check, does not confirm; the emulator sends
	// it). An event without it never matches a role filter.
	Role string
}

// String describes the trigger: "connection.created channel_id=room-* role=sendrecv".
func (t Trigger) String() string {
	s := t.Type
	if t.ChannelID != "" {
		s += " channel_id=" + t.ChannelID
	}
	if t.Role != "" {
		s += " role=" + t.Role
	}
	return s
}

// Matches reports whether an event of type typ on channelID by a connection
// of role starts a run of the trigger.
func (t Trigger) Matches(typ, channelID, role string) bool {
	if t.Type != typ || (t.Role != "" && t.Role != role) {
		return false
	}
	if t.ChannelID == "" {
		return true
	}
	ok, err := path.Match(t.ChannelID, channelID)
	return ok && err == nil
}

// RunsOn reports whether an event starts a run of the job.
func (j *Job) RunsOn(typ, channelID, role string) bool {
	if !j.Enabled {
		return false
	}
	for _, t := range j.On {
		if t.Matches(typ, channelID, role) {
			return true
		}
	}
	return false
}

// HasSchedule reports whether the job runs on a schedule (it may run on
// events only).
func (j *Job) HasSchedule() bool { return j.ScheduleSpec != "" }

// never is the schedule of a job without one: it is never due.
type never struct{}

func (never) Next(time.Time) time.Time { return time.Time{} }

// on decodes a job's `on:` list: event types ("connection.created") or
// mappings {type, channel_id, role}.
func (d *decoder) on(n *yaml.Node) []Trigger {
	list := resolve(n)
	if list == nil || list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		d.errorf(n, "on: expected a list of event types such as [connection.created], got %s", kindName(list))
		return nil
	}
	var out []Trigger
	for i, item := range list.Content {
		where := "on[" + strconv.Itoa(i) + "]"
		var t Trigger
		var typeNode *yaml.Node
		if r := resolve(item); r != nil && r.Kind == yaml.MappingNode {
			m, _, ok := d.mapping(item, where+": ", eventKeys)
			if !ok {
				continue
			}
			e, ok := m["type"]
			if !ok {
				d.errorf(item, "%s: missing \"type\" (an event type such as connection.created)", where)
				continue
			}
			typeNode = e.val
			if e, ok := m["channel_id"]; ok {
				if v, ok := d.str(e.val, where+".channel_id"); ok {
					if _, err := path.Match(v, ""); err != nil || v == "" {
						d.errorf(e.val, "%s.channel_id %q: not a valid pattern (use * and ? as in room-*)", where, v)
					}
					t.ChannelID = v
				}
			}
			if e, ok := m["role"]; ok {
				if v, ok := d.str(e.val, where+".role"); ok {
					if !slices.Contains(roles, v) {
						d.errorf(e.val, "%s.role %q: must be sendrecv, sendonly or recvonly", where, v)
					}
					t.Role = v
				}
			}
		} else {
			typeNode = item
		}
		v, ok := d.str(typeNode, where)
		if !ok {
			continue
		}
		if !slices.Contains(EventTypes, v) {
			hint := ""
			if s := suggest(v, EventTypes); s != "" {
				hint = " (did you mean \"" + s + "\"?)"
			}
			d.errorf(typeNode, "%s: unknown event type %q%s; known: %s", where, v, hint, strings.Join(EventTypes, ", "))
			continue
		}
		t.Type = v
		out = append(out, t)
	}
	return out
}
