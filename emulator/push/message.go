package push

import "github.com/soracron/soracron/emulator/internal/jsonscan"

// Push messages of the metadata writes. The outer object keeps the key order
// of the vendor's recorded push messages, "type" last ({"data": ..., "type":
// "push"}, as in the recorded PushChannel reply); inside data the order follows
// the reference: type, action, connection_id, then the action's fields.

const pushPrefix = `{"data":{"type":"signaling_notify_metadata_ext","action":"`

// pushSuffix closes data and adds the outer "type", last.
const pushSuffix = `},"type":"push"}`

func metadataPush(action, connectionID string, extra int) []byte {
	b := make([]byte, 0, len(pushPrefix)+len(action)+len(connectionID)+extra+48)
	b = append(b, pushPrefix...)
	b = append(b, action...)
	b = append(b, `","connection_id":`...)
	return jsonscan.AppendString(b, connectionID)
}

// Metadata is the message of PutMetadata / DeleteMetadata.
func Metadata(action, connectionID string, md []byte) []byte {
	b := metadataPush(action, connectionID, len(md))
	b = append(b, `,"metadata":`...)
	b = append(b, md...)
	return append(b, pushSuffix...)
}

// Item is the message of PutMetadataItem (value != nil) and
// DeleteMetadataItem (value == nil).
func Item(action, connectionID, key string, value []byte) []byte {
	b := metadataPush(action, connectionID, len(key)+len(value))
	b = append(b, `,"key":`...)
	b = jsonscan.AppendString(b, key)
	if value != nil {
		b = append(b, `,"value":`...)
		b = append(b, value...)
	}
	return append(b, pushSuffix...)
}

// Data is the message of the Push* targets, with the key order of the
// vendor's recorded PushChannel reply: {"data": ..., "type": "push"}.
func Data(data []byte) []byte {
	b := make([]byte, 0, len(data)+24)
	b = append(b, `{"data":`...)
	b = jsonscan.AppendCompact(b, data)
	return append(b, `,"type":"push"}`...)
}
