package emulator

import (
	"github.com/soracron/soracron/emulator/push"
	"github.com/soracron/soracron/emulator/target"

	"github.com/soracron/soracron/emulator/internal/jsonscan"
)

// The six signaling notify metadata actions. The four writes share one
// opening (openWrite): parameters checked in the order the reference lists
// them, the connection found and locked.

// writeReq is a metadata write after its opening.
type writeReq struct {
	ch, id string
	key    string // PutItem, DeleteItem
	raw    []byte // Put: the metadata object; PutItem: the value
	push   bool
	c      *conn    // locked by openWrite; the caller unlocks it
	rcpt   []string // the channel's connection ids
}

// openWrite reads channel_id and connection_id, the action's own keys and
// push, finds the connection and locks it. On success the caller must
// unlock w.c.mu.
func (e *Emulator) openWrite(f *reqFields, act target.Action, w *writeReq) *apiError {
	var err *apiError
	if w.ch, w.id, err = connIDs(f); err != nil {
		return err
	}
	switch act {
	case target.ActPut:
		if w.raw, err = needObject(f.metadata, "metadata"); err != nil {
			return err
		}
	case target.ActPutItem, target.ActDeleteItem:
		if w.key, err = needString(f.key, "key"); err != nil {
			return err
		}
		if act == target.ActPutItem {
			if f.value == nil {
				return paramErr("missing key %q", "value")
			}
			w.raw = f.value
		}
	}
	if w.push, err = optBool(f.push, "push"); err != nil {
		return err
	}
	if w.c, w.rcpt, err = e.find(w.ch, w.id); err != nil {
		return err
	}
	w.c.mu.Lock()
	if w.c.removed {
		w.c.mu.Unlock()
		return notFound(w.ch, w.id)
	}
	return nil
}

func (e *Emulator) list(f *reqFields) ([]byte, *apiError) {
	ch, err := needString(f.channelID, "channel_id")
	if err != nil {
		return nil, err
	}
	conns := e.channelConns(ch)
	b := make([]byte, 0, 2+len(conns)*160)
	b = append(b, '[')
	for i, c := range conns {
		if i > 0 {
			b = append(b, ',')
		}
		c.mu.Lock()
		enc := c.enc
		c.mu.Unlock()
		b = append(b, `{"client_id":`...)
		b = jsonscan.AppendString(b, c.clientID)
		b = append(b, `,"bundle_id":`...)
		b = jsonscan.AppendString(b, c.bundleID)
		b = append(b, `,"connection_id":`...)
		b = jsonscan.AppendString(b, c.id)
		b = append(b, `,"metadata":`...)
		b = append(b, enc...)
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

func (e *Emulator) get(f *reqFields) ([]byte, *apiError) {
	ch, id, err := connIDs(f)
	if err != nil {
		return nil, err
	}
	c, _, err := e.find(ch, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed {
		return nil, notFound(ch, id)
	}
	return c.enc, nil
}

func (e *Emulator) put(f *reqFields) ([]byte, *apiError) {
	var w writeReq
	if err := e.openWrite(f, target.ActPut, &w); err != nil {
		return nil, err
	}
	defer w.c.mu.Unlock()
	md := parseMetadata(w.raw)
	w.c.md, w.c.enc = md, md.encode()
	if w.push {
		e.events.Record(w.ch, w.rcpt, push.Metadata("PutMetadata", w.id, w.c.enc))
	}
	return w.c.enc, nil
}

func (e *Emulator) delete(f *reqFields) ([]byte, *apiError) {
	var w writeReq
	if err := e.openWrite(f, target.ActDelete, &w); err != nil {
		return nil, err
	}
	defer w.c.mu.Unlock()
	before := w.c.enc
	w.c.md, w.c.enc = nil, emptyObject()
	if w.push {
		e.events.Record(w.ch, w.rcpt, push.Metadata("DeleteMetadata", w.id, before))
	}
	return before, nil
}

func (e *Emulator) putItem(f *reqFields) ([]byte, *apiError) {
	var w writeReq
	if err := e.openWrite(f, target.ActPutItem, &w); err != nil {
		return nil, err
	}
	defer w.c.mu.Unlock()
	val := jsonscan.CompactCopy(w.raw)
	w.c.md.set(w.key, val)
	w.c.enc = w.c.md.encode()
	if w.push {
		e.events.Record(w.ch, w.rcpt, push.Item("PutMetadataItem", w.id, w.key, val))
	}
	return w.c.enc, nil
}

func (e *Emulator) deleteItem(f *reqFields) ([]byte, *apiError) {
	var w writeReq
	if err := e.openWrite(f, target.ActDeleteItem, &w); err != nil {
		return nil, err
	}
	defer w.c.mu.Unlock()
	if w.c.md.del(w.key) {
		w.c.enc = w.c.md.encode()
	}
	if w.push {
		e.events.Record(w.ch, w.rcpt, push.Item("DeleteMetadataItem", w.id, w.key, nil))
	}
	return w.c.enc, nil
}
