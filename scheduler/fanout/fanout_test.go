package fanout

import "testing"

func TestHub(t *testing.T) {
	var h Hub[int]
	h.Publish(0) // no subscriber: nothing happens
	if h.Listening() {
		t.Fatal("Listening without a subscriber")
	}
	slow, fast := h.Subscribe(1), h.Subscribe(3)
	for i := 1; i <= 3; i++ {
		h.Publish(i)
	}
	if v := <-slow.C; v != 1 || slow.Dropped() != 2 {
		t.Errorf("slow subscriber got %d, dropped %d; want 1, 2", v, slow.Dropped())
	}
	for want := 1; want <= 3; want++ {
		if v := <-fast.C; v != want {
			t.Errorf("fast subscriber got %d, want %d", v, want)
		}
	}
	if fast.Dropped() != 0 {
		t.Errorf("fast subscriber dropped %d", fast.Dropped())
	}
	slow.Close()
	slow.Close() // idempotent
	fast.Close()
	if h.Listening() {
		t.Error("Listening after every subscription closed")
	}
	h.Publish(4)
	if len(slow.C) != 0 || len(fast.C) != 0 {
		t.Error("a closed subscription received a value")
	}
}
