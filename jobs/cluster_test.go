package jobs

import (
	"slices"
	"testing"
)

// TestClusterChangedKeys checks which keys of the cluster section a reload
// names as changed (the daemon keeps its running cluster settings).
func TestClusterChangedKeys(t *testing.T) {
	const base = "cluster: {endpoints: [127.0.0.1:2379], prefix: a/, session_ttl: 10s, node: n1, username: u, password: p}\n"
	for _, tc := range []struct {
		name, old, new string
		want           []string
	}{
		{"same", base, base, nil},
		{"no section, twice", "", "", nil},
		{"section added", "", "cluster: {endpoints: [127.0.0.1:2379]}\n", []string{"endpoints"}},
		{"section removed", base, "", []string{"endpoints", "prefix", "session_ttl", "node", "username", "password"}},
		{"defaults written out", "", "cluster: {prefix: soracron/, session_ttl: 15s}\n", nil},
		{"endpoints and ttl", base,
			"cluster: {endpoints: [127.0.0.1:2379, 127.0.0.1:2380], prefix: a/, session_ttl: 20s, node: n1, username: u, password: p}\n",
			[]string{"endpoints", "session_ttl"}},
		{"password only", base,
			"cluster: {endpoints: [127.0.0.1:2379], prefix: a/, session_ttl: 10s, node: n1, username: u, password: q}\n",
			[]string{"password"}},
		{"prefix and node", base,
			"cluster: {endpoints: [127.0.0.1:2379], prefix: b/, session_ttl: 10s, node: n2, username: u, password: p}\n",
			[]string{"prefix", "node"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parse := func(y string) *ClusterConfig {
				y = "sora: {url: \"http://127.0.0.1:3000/\"}\n" + y + "jobs: [{name: a, schedule: \"@every 1s\", script: scripts/a.lua}]\n"
				cfg, err := Parse([]byte(y), testPath, env(nil))
				if err != nil {
					t.Fatal(err)
				}
				return cfg.Cluster
			}
			if got := parse(tc.old).ChangedKeys(parse(tc.new)); !slices.Equal(got, tc.want) {
				t.Errorf("ChangedKeys = %v, want %v", got, tc.want)
			}
		})
	}
}
