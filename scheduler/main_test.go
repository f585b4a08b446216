package scheduler

import (
	"os"
	"testing"

	"github.com/soracron/soracron/scheduler/cluster/etcdtest"
)

func TestMain(m *testing.M) {
	etcdtest.MainIfServer() // the etcd process of BenchmarkCluster
	os.Exit(m.Run())
}
