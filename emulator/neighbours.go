package emulator

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/soracron/soracron/emulator/internal/jsonscan"
	"github.com/soracron/soracron/emulator/push"
)

// The neighbouring targets an automation script reaches for. Where the
// reference leaves a reply open, the emulator's choices are:
//   - ListChannels reports spotlight false and multistream true.
//   - Connection objects (ListConnections, ListChannelConnections) carry the
//     ids, session_id (one per channel, made when its first connection
//     arrives), role, created_time in microseconds since the epoch, and fixed
//     media settings: audio and video true, simulcast and spotlight false.
//   - Push* reply with the push message they delivered, as the vendor's
//     recorded PushChannel exchange shows; a push that reaches no connection
//     (an empty channel, no connection of that client or role) succeeds.
//   - DisconnectConnection replies {"channel_id", "connection_id"}; the other
//     Disconnect* reply {"channel_id", "connection_ids": [...]} (possibly
//     empty), except DisconnectClient, which is connection_not_found when no
//     connection has that client id.

func (e *Emulator) listChannels(f *reqFields) ([]byte, *apiError) {
	if _, err := optBool(f.local, "local"); err != nil {
		return nil, err
	}
	b := []byte{'['}
	for i, ci := range e.Channels() {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"channel_id":`...)
		b = jsonscan.AppendString(b, ci.ChannelID)
		b = append(b, `,"spotlight":false,"multistream":true}`...)
	}
	return append(b, ']'), nil
}

// appendConn appends the connection object of c.
func appendConn(b []byte, c *conn) []byte {
	b = append(b, `{"channel_id":`...)
	b = jsonscan.AppendString(b, c.channelID)
	b = append(b, `,"client_id":`...)
	b = jsonscan.AppendString(b, c.clientID)
	b = append(b, `,"bundle_id":`...)
	b = jsonscan.AppendString(b, c.bundleID)
	b = append(b, `,"connection_id":`...)
	b = jsonscan.AppendString(b, c.id)
	b = append(b, `,"session_id":`...)
	b = jsonscan.AppendString(b, c.sessionID)
	b = append(b, `,"role":`...)
	b = jsonscan.AppendString(b, c.role)
	b = append(b, `,"created_time":`...)
	b = strconv.AppendInt(b, c.created.UnixMicro(), 10)
	return append(b, `,"audio":true,"video":true,"simulcast":false,"spotlight":false}`...)
}

func appendConns(b []byte, conns []*conn) []byte {
	for _, c := range conns {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendConn(b, c)
	}
	return b
}

func (e *Emulator) listConnections(*reqFields) ([]byte, *apiError) {
	b := []byte{'['}
	for _, ci := range e.Channels() {
		b = appendConns(b, e.channelConns(ci.ChannelID))
	}
	return append(b, ']'), nil
}

func (e *Emulator) listChannelConnections(f *reqFields) ([]byte, *apiError) {
	ch, err := needString(f.channelID, "channel_id")
	if err != nil {
		return nil, err
	}
	return append(appendConns([]byte{'['}, e.channelConns(ch)), ']'), nil
}

// pushTo delivers data to the connections of channelID that match keep
// (every one when keep is nil) and returns the message.
func (e *Emulator) pushTo(channelID string, data []byte, keep func(*conn) bool) []byte {
	msg := push.Data(data)
	var rcpt []string
	if keep == nil {
		rcpt = e.recipients(channelID)
	} else {
		for _, c := range e.channelConns(channelID) {
			if keep(c) {
				rcpt = append(rcpt, c.id)
			}
		}
	}
	if len(rcpt) > 0 {
		e.events.Record(channelID, rcpt, msg)
	}
	return msg
}

// channelData reads channel_id and data, the keys of every push target.
func channelData(f *reqFields) (string, []byte, *apiError) {
	ch, err := needString(f.channelID, "channel_id")
	if err != nil {
		return "", nil, err
	}
	data, err := needObject(f.data, "data")
	return ch, data, err
}

func (e *Emulator) pushChannel(f *reqFields) ([]byte, *apiError) {
	ch, data, err := channelData(f)
	if err != nil {
		return nil, err
	}
	return e.pushTo(ch, data, nil), nil
}

func (e *Emulator) pushClient(f *reqFields) ([]byte, *apiError) {
	ch, err := needString(f.channelID, "channel_id")
	if err != nil {
		return nil, err
	}
	client, err := needString(f.clientID, "client_id")
	if err != nil {
		return nil, err
	}
	data, err := needObject(f.data, "data")
	if err != nil {
		return nil, err
	}
	return e.pushTo(ch, data, func(c *conn) bool { return c.clientID == client }), nil
}

func (e *Emulator) pushChannelByRole(f *reqFields) ([]byte, *apiError) {
	ch, err := needString(f.channelID, "channel_id")
	if err != nil {
		return nil, err
	}
	role, err := needRole(f.role)
	if err != nil {
		return nil, err
	}
	data, err := needObject(f.data, "data")
	if err != nil {
		return nil, err
	}
	return e.pushTo(ch, data, func(c *conn) bool { return c.role == role }), nil
}

func (e *Emulator) pushConnection(f *reqFields) ([]byte, *apiError) {
	ch, id, err := connIDs(f)
	if err != nil {
		return nil, err
	}
	data, err := needObject(f.data, "data")
	if err != nil {
		return nil, err
	}
	c, _, err := e.find(ch, id)
	if err != nil {
		return nil, err
	}
	msg := push.Data(data)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed {
		return nil, notFound(ch, id)
	}
	e.events.Record(ch, []string{c.id}, msg)
	return msg, nil
}

func (e *Emulator) disconnectConnection(f *reqFields) ([]byte, *apiError) {
	ch, id, err := connIDs(f)
	if err != nil {
		return nil, err
	}
	if err := optReason(f.reason); err != nil {
		return nil, err
	}
	if !e.RemoveConnection(ch, id) {
		return nil, notFound(ch, id)
	}
	b := append([]byte(nil), `{"channel_id":`...)
	b = jsonscan.AppendString(b, ch)
	b = append(b, `,"connection_id":`...)
	b = jsonscan.AppendString(b, id)
	return append(b, '}'), nil
}

// disconnected is the reply of the Disconnect* targets that may remove
// several connections.
func disconnected(channelID string, gone []*conn) []byte {
	b := append([]byte(nil), `{"channel_id":`...)
	b = jsonscan.AppendString(b, channelID)
	b = append(b, `,"connection_ids":[`...)
	for i, c := range gone {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonscan.AppendString(b, c.id)
	}
	return append(b, "]}"...)
}

func (e *Emulator) disconnectClient(f *reqFields) ([]byte, *apiError) {
	ch, err := needString(f.channelID, "channel_id")
	if err != nil {
		return nil, err
	}
	client, err := needString(f.clientID, "client_id")
	if err != nil {
		return nil, err
	}
	if err := optReason(f.reason); err != nil {
		return nil, err
	}
	gone := e.removeWhere(ch, func(c *conn) bool { return c.clientID == client })
	if len(gone) == 0 {
		return nil, &apiError{http.StatusBadRequest, ErrConnectionNotFound,
			fmt.Sprintf("no connection with client_id %q in channel %q", client, ch)}
	}
	return disconnected(ch, gone), nil
}

func (e *Emulator) disconnectChannel(f *reqFields) ([]byte, *apiError) {
	ch, err := needString(f.channelID, "channel_id")
	if err != nil {
		return nil, err
	}
	if err := optReason(f.reason); err != nil {
		return nil, err
	}
	return disconnected(ch, e.removeWhere(ch, nil)), nil
}

func (e *Emulator) disconnectChannelByRole(f *reqFields) ([]byte, *apiError) {
	ch, err := needString(f.channelID, "channel_id")
	if err != nil {
		return nil, err
	}
	role, err := needRole(f.role)
	if err != nil {
		return nil, err
	}
	if err := optReason(f.reason); err != nil {
		return nil, err
	}
	return disconnected(ch, e.removeWhere(ch, func(c *conn) bool { return c.role == role })), nil
}
