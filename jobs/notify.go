package jobs

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// The notification events of notify.webhooks[].on.
const (
	NotifyFailed      = "failed"      // a run (after its retries) failed
	NotifyTimeout     = "timeout"     // a run (after its retries) timed out
	NotifyInterrupted = "interrupted" // a run was interrupted (cluster session lost)
	NotifyMissed      = "missed"      // scheduled runs were missed
	NotifyPartial     = "partial"     // a run changed some connections and failed on others
	NotifyRecovered   = "recovered"   // the first ok run after one of the above
)

// NotifyEvents are the events a webhook may be sent, and its default.
var NotifyEvents = []string{NotifyFailed, NotifyTimeout, NotifyInterrupted, NotifyMissed, NotifyPartial, NotifyRecovered}

// NotifyConfig is the top-level notify section of jobs.yaml.
type NotifyConfig struct {
	// BaseURL is the external URL of the daemon's dashboard, for the links
	// of the notifications (e.g. https://cron.example.com); empty: no link.
	BaseURL string
	// Webhooks get every job's notifications.
	Webhooks []*Webhook
}

// Webhook is one notification receiver (notify.webhooks[] of jobs.yaml or
// of a job).
type Webhook struct {
	// URL is where the notifications are POSTed (http or https).
	URL string
	// Headers are sent with each notification (${VAR}s expanded; their
	// values are redacted in logs).
	Headers map[string]string
	// On are the events sent (NotifyEvents when the key is absent).
	On []string
	// Line is the line of the webhook in jobs.yaml.
	Line int
}

// Wants reports whether the webhook is sent event.
func (w *Webhook) Wants(event string) bool { return slices.Contains(w.On, event) }

var (
	notifyKeys     = []string{"base_url", "webhooks"}
	jobNotify      = []string{"webhooks"}
	notifyHookKeys = []string{"url", "headers", "on"}
)

// notify decodes the top-level notify section.
func (d *decoder) notify(n *yaml.Node, c *NotifyConfig, s *SoraConfig) {
	m, _, ok := d.mapping(n, "notify: ", notifyKeys)
	if !ok {
		return
	}
	if e, ok := m["base_url"]; ok {
		if v, ok := d.str(e.val, "notify.base_url"); ok {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				d.errorf(e.val, "notify.base_url %q: want the dashboard's external URL, e.g. https://cron.example.com", v)
			} else {
				c.BaseURL = strings.TrimRight(v, "/")
			}
		}
	}
	if e, ok := m["webhooks"]; ok {
		c.Webhooks = d.webhooks(e.val, "notify.webhooks", s)
	}
}

// jobNotify decodes a job's notify section ({webhooks: [...]}).
func (d *decoder) jobNotify(n *yaml.Node, j *Job, name string, s *SoraConfig) {
	m, _, ok := d.mapping(n, name+": ", jobNotify)
	if !ok {
		return
	}
	if e, ok := m["webhooks"]; ok {
		j.Notify = d.webhooks(e.val, name+".webhooks", s)
	}
}

// webhooks decodes a list of webhooks.
func (d *decoder) webhooks(n *yaml.Node, name string, s *SoraConfig) []*Webhook {
	r := resolve(n)
	if r == nil || r.Kind != yaml.SequenceNode {
		d.errorf(n, "%s: expected a list of webhooks ({url, headers, on}), got %s", name, kindName(r))
		return nil
	}
	var out []*Webhook
	for i, wn := range r.Content {
		item := fmt.Sprintf("%s[%d]", name, i)
		m, _, ok := d.mapping(wn, item+": ", notifyHookKeys)
		if !ok {
			continue
		}
		w := &Webhook{Line: wn.Line, On: NotifyEvents}
		e, ok := m["url"]
		if !ok {
			d.errorf(wn, "%s: missing url", item)
			continue
		}
		d.expanded = nil
		v, ok := d.str(e.val, item+".url")
		if !ok {
			continue
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			d.errorf(e.val, "%s.url: want an http or https URL", item)
			continue
		}
		for _, x := range d.expanded {
			s.SecretValues = appendUnique(s.SecretValues, x)
		}
		d.expanded = nil
		w.URL = v
		if e, ok := m["headers"]; ok && !isNull(e.val) {
			w.Headers = d.webhookHeaders(e.val, item+".headers", s)
		}
		if e, ok := m["on"]; ok {
			w.On = d.notifyOn(e.val, item+".on")
		}
		out = append(out, w)
	}
	return out
}

func (d *decoder) webhookHeaders(n *yaml.Node, name string, s *SoraConfig) map[string]string {
	m, order, ok := d.mapping(n, name+": ", nil)
	if !ok {
		return nil
	}
	h := make(map[string]string, len(order))
	for _, k := range order {
		e := m[k]
		if !validHeaderName(k) {
			d.errorf(e.key, "%s: %q is not a valid header name", name, k)
			continue
		}
		d.expanded = nil
		v, ok := d.str(e.val, name+"."+k)
		if !ok {
			continue
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			d.errorf(e.val, "%s.%s: value contains a line break or NUL", name, k)
			continue
		}
		for _, x := range d.expanded {
			s.SecretValues = appendUnique(s.SecretValues, x)
		}
		for _, x := range []string{v, lastField(v)} {
			if len(x) >= minLiteralSecret {
				s.SecretValues = appendUnique(s.SecretValues, x)
			}
		}
		h[k] = v
	}
	d.expanded = nil
	return h
}

func (d *decoder) notifyOn(n *yaml.Node, name string) []string {
	r := resolve(n)
	if r == nil || r.Kind != yaml.SequenceNode {
		d.errorf(n, "%s: expected a list of events (%s), got %s", name, strings.Join(NotifyEvents, ", "), kindName(r))
		return nil
	}
	var on []string
	for i, en := range r.Content {
		v, ok := d.str(en, fmt.Sprintf("%s[%d]", name, i))
		if !ok {
			continue
		}
		if !slices.Contains(NotifyEvents, v) {
			d.errorf(en, "%s[%d]: unknown event %q (want one of %s)", name, i, v, strings.Join(NotifyEvents, ", "))
			continue
		}
		if !slices.Contains(on, v) {
			on = append(on, v)
		}
	}
	return on
}
