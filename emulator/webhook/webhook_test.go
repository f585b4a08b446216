package webhook

import "testing"

func TestValidateURL(t *testing.T) {
	for _, bad := range []string{"127.0.0.1:8080", "ftp://x/", "http://"} {
		if ValidateURL(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := ValidateURL("http://127.0.0.1:8080/webhooks/sora/event"); err != nil {
		t.Error(err)
	}
}
