package sora_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/soracron/soracron/sora"
)

func TestTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) == 0 {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error_type":"no_client_cert","message":"mTLS required"}`))
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	defer srv.Close()

	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	writePEM(t, ca, "CERTIFICATE", srv.Certificate().Raw)
	// The test server's own certificate and key double as the client's.
	cert := filepath.Join(dir, "client.pem")
	key := filepath.Join(dir, "client-key.pem")
	pair := srv.TLS.Certificates[0]
	writePEM(t, cert, "CERTIFICATE", pair.Certificate[0])
	der, err := x509.MarshalPKCS8PrivateKey(pair.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, key, "PRIVATE KEY", der)

	tests := []struct {
		name    string
		cfg     sora.Config
		wantErr string // "" ok, "verify" certificate error, "status" APIError 401
	}{
		{"system roots refuse a self-signed server", sora.Config{}, "verify"},
		{"CA file verifies the server", sora.Config{CAFile: ca}, "status"},
		{"explicit insecure skips verification", sora.Config{Insecure: true}, "status"},
		{"client certificate for mTLS", sora.Config{CAFile: ca, CertFile: cert, KeyFile: key}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.URL = srv.URL
			cfg.Attempts = 3
			cfg.BackoffBase, cfg.BackoffMax = time.Millisecond, time.Millisecond
			c, err := sora.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Get(context.Background(), "sora", "C")
			var ae *sora.APIError
			var ce *tls.CertificateVerificationError
			switch tt.wantErr {
			case "":
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
			case "verify":
				if !errors.As(err, &ce) {
					t.Fatalf("error = %v, want a certificate verification error", err)
				}
				if strings.Contains(err.Error(), "attempts") {
					t.Fatalf("a certificate error was retried: %v", err)
				}
			case "status":
				if !errors.As(err, &ae) || ae.Status != 401 || ae.Type != "no_client_cert" {
					t.Fatalf("error = %v, want the server's 401", err)
				}
			}
		})
	}
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
