package push

import "testing"

func TestMessages(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"put metadata", Metadata("PutMetadata", "C1", []byte(`{"n":10}`)),
			`{"data":{"type":"signaling_notify_metadata_ext","action":"PutMetadata","connection_id":"C1","metadata":{"n":10}},"type":"push"}`},
		{"put item", Item("PutMetadataItem", "C1", "seat", []byte(`12345678901234567890`)),
			`{"data":{"type":"signaling_notify_metadata_ext","action":"PutMetadataItem","connection_id":"C1","key":"seat","value":12345678901234567890},"type":"push"}`},
		{"delete item has no value", Item("DeleteMetadataItem", "C1", "k", nil),
			`{"data":{"type":"signaling_notify_metadata_ext","action":"DeleteMetadataItem","connection_id":"C1","key":"k"},"type":"push"}`},
		{"escaped key and id", Item("DeleteMetadataItem", `C"1`, "a\nb", nil),
			`{"data":{"type":"signaling_notify_metadata_ext","action":"DeleteMetadataItem","connection_id":"C\"1","key":"a\nb"},"type":"push"}`},
		{"push data is compacted", Data([]byte("{ \"hello\" : [1, 2] }")), `{"data":{"hello":[1,2]},"type":"push"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if string(tt.got) != tt.want {
				t.Errorf("got  %s\nwant %s", tt.got, tt.want)
			}
		})
	}
}
