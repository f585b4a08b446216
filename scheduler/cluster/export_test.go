package cluster

// Kill makes c vanish like a process killed by SIGKILL: its connection
// closes and its lease is left to expire.
func (c *Cluster) Kill() {
	c.dead.Store(true)
	_ = c.client.Close()
}
