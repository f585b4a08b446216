package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/soracron/soracron/cli"
)

func TestEmulatorFaultFlags(t *testing.T) {
	run := startEmulator(t, "--listen", "127.0.0.1:0", "--generate", "sora=1", "--seed", "1",
		"--fail-rate", "1", "--fail-status", "502", "--fault-target", "PutSignalingNotifyMetadataItem", "--latency", "1ms-2ms")
	stderr := strings.Join(run.lines, "\n")
	want := "soracron emulator: injecting faults into PutSignalingNotifyMetadataItem: latency 1ms-2ms, 100% failed with status 502 (seed 1)"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	status, body := postSora(t, run.url, "Sora_20201124.ListSignalingNotifyMetadata", `{"channel_id":"sora"}`)
	var list []struct {
		ConnectionID string `json:"connection_id"`
	}
	if err := json.Unmarshal(body, &list); status != 200 || err != nil || len(list) != 1 {
		t.Fatalf("list (not a fault target): %d %s", status, body)
	}
	put := fmt.Sprintf(`{"channel_id":"sora","connection_id":%q,"key":"k","value":1}`, list[0].ConnectionID)
	status, body = postSora(t, run.url, "Sora_20201124.PutSignalingNotifyMetadataItem", put)
	if status != 502 || !strings.Contains(string(body), `"error_type":"injected_fault"`) {
		t.Errorf("put_item: %d %s, want the injected 502", status, body)
	}
	// The admin API shows the rule and the count, and turns it off.
	resp, err := http.Get(run.url + "emulator/faults")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`"fail_rate":1`, `"fail_status":502`, `"latency":"1ms-2ms"`, `"failed":1`, `"seed":1`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("GET /emulator/faults lacks %s: %s", want, data)
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, run.url+"emulator/faults", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 204 {
		t.Fatalf("DELETE /emulator/faults: %v %v", resp, err)
	}
	if status, body = postSora(t, run.url, "Sora_20201124.PutSignalingNotifyMetadataItem", put); status != 200 {
		t.Errorf("put_item after DELETE: %d %s", status, body)
	}
	if code := run.stop(); code != cli.ExitOK {
		t.Errorf("exit code %d", code)
	}
}

func TestEmulatorFaultFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"rate above 1", []string{"--fail-rate", "1.5"}, "soracron: --fail-rate 1.5: want a share from 0 to 1\n"},
		{"negative drop", []string{"--drop-rate", "-1"}, "soracron: --drop-rate -1: want a share from 0 to 1\n"},
		{"drop after apply above 1", []string{"--drop-after-apply-rate", "2"}, "soracron: --drop-after-apply-rate 2: want a share from 0 to 1\n"},
		{"status", []string{"--fail-rate", "0.1", "--fail-status", "200"}, "soracron: --fail-status 200: want an error status from 400 to 599\n"},
		{"latency", []string{"--latency", "soon"}, `soracron: --latency: latency "soon": want a duration like 50ms or a range like 5ms-50ms` + "\n"},
		{"target", []string{"--hang", "--fault-target", "Bogus"}, `soracron: --fault-target: unknown target "Bogus" (want one of ListSignalingNotifyMetadata, `},
		{"target without fault", []string{"--fault-target", "ListChannels"}, "soracron: --fault-target needs a fault: --fail-rate, --latency, --drop-rate, --drop-after-apply-rate or --hang\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			args := append([]string{"emulator", "--listen", "127.0.0.1:0"}, tt.args...)
			code := cli.Execute(context.Background(), args, cli.App{Stdout: io.Discard, Stderr: &stderr})
			if code != cli.ExitUsage || !strings.HasPrefix(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), cli.ExitUsage, tt.want)
			}
		})
	}
}

func TestEmulatorHelpFaults(t *testing.T) {
	var out bytes.Buffer
	if code := cli.Execute(context.Background(), []string{"emulator", "--help"}, cli.App{Stdout: &out, Stderr: &out}); code != cli.ExitOK {
		t.Fatalf("exit code %d", code)
	}
	for _, want := range []string{"--fail-rate", "--fail-status", "--fault-target", "--latency", "--drop-rate", "--hang", "/emulator/faults"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestEmulatorDropAfterApplyFlag(t *testing.T) {
	run := startEmulator(t, "--listen", "127.0.0.1:0", "--generate", "sora=2", "--seed", "1",
		"--drop-after-apply-rate", "1", "--fault-target", "PushChannel")
	stderr := strings.Join(run.lines, "\n")
	if want := "injecting faults into PushChannel: 100% applied, then dropped (seed 1)"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	req, _ := http.NewRequest(http.MethodPost, run.url, strings.NewReader(`{"channel_id":"sora","data":{"a":1}}`))
	req.Header.Set("x-sora-target", "Sora_20160711.PushChannel")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("push: got a reply %d, want none", resp.StatusCode)
	}
	resp, err := http.Get(run.url + "emulator/deliveries?channel=sora")
	if err != nil {
		t.Fatal(err)
	}
	var ds []json.RawMessage
	err = json.NewDecoder(resp.Body).Decode(&ds)
	resp.Body.Close()
	if err != nil || len(ds) != 1 {
		t.Errorf("%d deliveries (%v), want the push applied once", len(ds), err)
	}
	if code := run.stop(); code != cli.ExitOK {
		t.Errorf("exit code %d", code)
	}
}
