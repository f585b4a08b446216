package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/soracron/soracron/emulator/target"
)

// client returns an HTTP client that keeps enough connections for n
// goroutines.
func client(n int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n}}
}

func post(c *http.Client, url, target, body string) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("x-sora-target", target)
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func TestConcurrentWritesToOneConnection(t *testing.T) {
	const goroutines, perG = 64, 4
	e, srv := start(t, Options{})
	mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connA})
	mustAdd(t, e, Connection{ChannelID: "sora", ConnectionID: connB})
	hc := client(goroutines)
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				for _, kv := range [][2]string{{fmt.Sprintf("g%d_%d", g, i), fmt.Sprint(i)}, {fmt.Sprintf("last%d", g), fmt.Sprint(i)}} {
					body := fmt.Sprintf(`{"channel_id":"sora","connection_id":"%s","key":"%s","value":%s,"push":%t}`, connA, kv[0], kv[1], i%2 == 0)
					st, b, err := post(hc, srv.URL, target.PutItem, body)
					if err != nil || st != 200 {
						errs <- fmt.Errorf("put item: %d %s %v", st, b, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	md, _ := e.Metadata("sora", connA)
	if want := goroutines*perG + goroutines; len(md) != want {
		t.Errorf("%d keys, want %d: writes were lost", len(md), want)
	}
	for g := range goroutines {
		for i := range perG {
			if v := md[fmt.Sprintf("g%d_%d", g, i)]; v != json.Number(fmt.Sprint(i)) {
				t.Fatalf("g%d_%d = %v", g, i, v)
			}
		}
		if v := md[fmt.Sprintf("last%d", g)]; v != json.Number(fmt.Sprint(perG-1)) {
			t.Errorf("last%d = %v, want %d", g, v, perG-1)
		}
	}
	// Half the writes pushed, each to both connections, none lost.
	ds := e.Deliveries("sora")
	if want := goroutines * perG; len(ds) != want {
		t.Errorf("%d deliveries, want %d", len(ds), want)
	}
}

// TestMixedConcurrentUse runs every kind of operation at once, for the race
// detector, then checks the state is consistent.
func TestMixedConcurrentUse(t *testing.T) {
	e, srv := start(t, Options{Seed: 3})
	chans := []string{"a", "b", "c", "d"}
	stable := map[string][]string{} // ids never removed, safe to write to
	for _, ch := range chans {
		stable[ch] = e.Generate(ch, 4)
	}
	sub, cancel := e.Subscribe("")
	var got int
	var subWG sync.WaitGroup
	subWG.Go(func() {
		for range sub {
			got++
		}
	})
	hc := client(32)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 16 {
		wg.Go(func() {
			ch := chans[w%len(chans)]
			for i := range 20 {
				id := stable[ch][i%4]
				if len(e.Connections(ch)) < 4 {
					errs <- fmt.Errorf("channel %s lost connections", ch)
					return
				}
				var st int
				var b []byte
				var err error
				switch i % 5 {
				case 0:
					st, b, err = post(hc, srv.URL, target.PutItem, fmt.Sprintf(`{"channel_id":%q,"connection_id":%q,"key":"w%d","value":%d,"push":true}`, ch, id, w, i))
				case 1:
					st, b, err = post(hc, srv.URL, target.List, fmt.Sprintf(`{"channel_id":%q}`, ch))
				case 2:
					st, b, err = post(hc, srv.URL, target.Put, fmt.Sprintf(`{"channel_id":%q,"connection_id":%q,"metadata":{"w":%d},"push":true}`, ch, id, w))
				case 3:
					st, b, err = post(hc, srv.URL, target.ListChannels, `{}`)
					e.Deliveries(ch)
				case 4:
					added := mustAdd(t, e, Connection{ChannelID: ch})
					st, b, err = post(hc, srv.URL, target.DisconnectConnection, fmt.Sprintf(`{"channel_id":%q,"connection_id":%q}`, ch, added.ConnectionID))
				}
				if err != nil || st != 200 {
					errs <- fmt.Errorf("worker %d step %d: %d %s %v", w, i, st, b, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	cancel()
	subWG.Wait()
	for _, ch := range chans {
		if n := len(e.Connections(ch)); n != 4 {
			t.Errorf("channel %s has %d connections, want 4", ch, n)
		}
	}
	if want := len(e.Deliveries("")); got != want || want != 16*8 {
		t.Errorf("subscriber got %d deliveries, ring has %d, want %d", got, want, 16*8)
	}
}

func TestGenerate(t *testing.T) {
	const n = 10000
	e, srv := start(t, Options{Seed: 99})
	ids := e.Generate("big", n)
	if len(ids) != n {
		t.Fatalf("%d ids", len(ids))
	}
	seen := make(map[string]bool, n)
	for _, id := range ids {
		if !ValidID(id) || seen[id] {
			t.Fatalf("id %q invalid or repeated", id)
		}
		seen[id] = true
	}
	st, body, err := post(client(1), srv.URL, target.List, `{"channel_id":"big"}`)
	if err != nil || st != 200 {
		t.Fatalf("list: %d %v", st, err)
	}
	var list []struct {
		ClientID     string         `json:"client_id"`
		BundleID     string         `json:"bundle_id"`
		ConnectionID string         `json:"connection_id"`
		Metadata     map[string]any `json:"metadata"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != n {
		t.Fatalf("list has %d connections", len(list))
	}
	for _, c := range list {
		if !seen[c.ConnectionID] || c.ClientID != c.ConnectionID || c.BundleID != c.ConnectionID || c.Metadata == nil || len(c.Metadata) != 0 {
			t.Fatalf("listed %+v", c)
		}
	}
	t.Run("seed is deterministic", func(t *testing.T) {
		again := New(Options{Seed: 99}).Generate("big", n)
		if !slices.Equal(again, ids) {
			t.Error("same seed, different ids")
		}
		other := New(Options{Seed: 100}).Generate("big", 3)
		if slices.Equal(other, ids[:3]) {
			t.Error("different seeds, same ids")
		}
		r1, r2 := New(Options{}).Generate("x", 2), New(Options{}).Generate("x", 2)
		if slices.Equal(r1, r2) {
			t.Error("unseeded emulators generate the same ids")
		}
	})
	t.Run("nothing for bad input", func(t *testing.T) {
		if e.Generate("", 3) != nil || e.Generate("x", 0) != nil {
			t.Error("generated for an empty channel or zero count")
		}
	})
}
