package cluster

import (
	"crypto/tls"
	"fmt"

	"go.etcd.io/etcd/client/pkg/v3/transport"
)

// TLSConfig returns the TLS configuration of a client of etcd: caFile
// verifies the servers (the system's roots when empty), certFile and
// keyFile authenticate this client (none when empty).
func TLSConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	if caFile == "" && certFile == "" {
		return &tls.Config{MinVersion: tls.VersionTLS12}, nil
	}
	info := transport.TLSInfo{TrustedCAFile: caFile, CertFile: certFile, KeyFile: keyFile}
	cfg, err := info.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("cluster: etcd TLS: %w", err)
	}
	return cfg, nil
}
