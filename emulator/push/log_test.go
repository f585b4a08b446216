package push

import (
	"slices"
	"testing"
)

func seqs(ds []Delivery) []uint64 {
	var out []uint64
	for _, d := range ds {
		out = append(out, d.Seq)
	}
	return out
}

func TestLogRing(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		records []string // the channel of each delivery, in order
		channel string   // Deliveries' filter
		want    []uint64
	}{
		{"empty", 3, nil, "", nil},
		{"under the bound", 3, []string{"a", "b"}, "", []uint64{1, 2}},
		{"wraps, oldest first", 3, []string{"a", "a", "a", "a", "a"}, "", []uint64{3, 4, 5}},
		{"one channel", 5, []string{"a", "b", "a", "b"}, "b", []uint64{2, 4}},
		{"one channel after wrapping", 3, []string{"a", "b", "a", "b", "a"}, "a", []uint64{3, 5}},
		{"unknown channel", 3, []string{"a"}, "z", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLog(tt.max)
			for _, ch := range tt.records {
				l.Record(ch, []string{"C1"}, []byte(`{}`))
			}
			got := l.Deliveries(tt.channel)
			if got == nil {
				t.Fatal("Deliveries = nil, want a slice (JSON [])")
			}
			if !slices.Equal(seqs(got), tt.want) {
				t.Errorf("seqs %v, want %v", seqs(got), tt.want)
			}
			if st := l.Stats(); st.LastSeq != uint64(len(tt.records)) || st.Recorded != min(len(tt.records), tt.max) {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestLogDeliveriesAreCopies(t *testing.T) {
	l := NewLog(3)
	l.Record("a", []string{"C1"}, []byte(`{"x":1}`))
	d := l.Deliveries("")[0]
	d.Recipients[0] = "changed"
	d.Message[0] = '['
	again := l.Deliveries("")[0]
	if again.Recipients[0] != "C1" || string(again.Message) != `{"x":1}` {
		t.Errorf("the ring shares its slices: %+v", again)
	}
}

func TestLogClearKeepsCounting(t *testing.T) {
	l := NewLog(3)
	l.Record("a", nil, nil)
	l.Record("a", nil, nil)
	l.Clear()
	if got := l.Deliveries(""); len(got) != 0 {
		t.Fatalf("after Clear: %v", got)
	}
	l.Record("a", nil, nil)
	if got := seqs(l.Deliveries("")); !slices.Equal(got, []uint64{3}) {
		t.Errorf("seqs after Clear %v, want [3]", got)
	}
}

func TestLogSubscribe(t *testing.T) {
	l := NewLog(10)
	all, cancelAll := l.Subscribe("")
	defer cancelAll()
	one, cancelOne := l.Subscribe("b")
	l.Record("a", nil, nil)
	l.Record("b", nil, nil)
	if got := []uint64{(<-all).Seq, (<-all).Seq}; !slices.Equal(got, []uint64{1, 2}) {
		t.Errorf("every channel: %v", got)
	}
	if d := <-one; d.Seq != 2 || len(one) != 0 {
		t.Errorf("channel b: %+v, %d more", d, len(one))
	}
	cancelOne()
	cancelOne() // idempotent
	if _, open := <-one; open {
		t.Error("the stream is open after cancel")
	}
	if st := l.Stats(); st.Subscribers != 1 {
		t.Errorf("subscribers %d, want 1", st.Subscribers)
	}
	for range SubscriberBuffer + 2 {
		l.Record("a", nil, nil)
	}
	if l.Dropped() != 2 || len(all) != SubscriberBuffer {
		t.Errorf("dropped %d, buffered %d: want 2 and %d", l.Dropped(), len(all), SubscriberBuffer)
	}
}
