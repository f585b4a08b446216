package api

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/soracron/soracron/scheduler/cluster/etcdtest"
)

// etcdOnce starts the embedded etcd of the cluster tests at the first
// that needs it (sharedEtcd); TestMain stops it.
var (
	etcdOnce sync.Once
	etcdSrv  *etcdtest.Server
	etcdDir  string
	etcdErr  error
)

// sharedEtcd returns the endpoint of the embedded etcd shared by the
// cluster tests of this package (each uses its own key prefix).
func sharedEtcd(t *testing.T) string {
	t.Helper()
	etcdOnce.Do(func() {
		if etcdDir, etcdErr = os.MkdirTemp("", "api-etcd"); etcdErr != nil {
			return
		}
		etcdSrv, etcdErr = etcdtest.Start(etcdDir, 0)
	})
	if etcdErr != nil {
		t.Fatal(etcdErr)
	}
	return etcdSrv.Endpoint
}

func TestMain(m *testing.M) {
	code := m.Run()
	if etcdSrv != nil {
		etcdSrv.Close()
	}
	if etcdDir != "" {
		if err := os.RemoveAll(etcdDir); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}
