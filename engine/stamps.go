package engine

import (
	"os"
	"sync"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// racyWindow is how long after its modification time a script file must
// have been read for its stamp to be trusted. A file modified again within
// the granularity of the file system's timestamps (2 s on FAT; less
// elsewhere) could keep its size and modification time; read that soon
// after its modification, a file is read again at every run (like Git's
// "racily clean" entries).
const racyWindow = 2 * time.Second

// stamp is what identifies the version of a script file that was read and
// compiled: the file (device and inode), its size and modification time.
type stamp struct {
	info  os.FileInfo
	proto *lua.FunctionProto
}

// stampCache remembers, per path, the compiled chunk of the version of the
// file read last, so that a run whose script has not changed since needs
// one stat instead of reading and hashing the file. Only versions read at
// least racyWindow after their modification are remembered.
type stampCache struct {
	mu sync.Mutex
	m  map[string]stamp
}

// lookup returns the chunk of path if the file is the version remembered.
func (c *stampCache) lookup(path string) *lua.FunctionProto {
	c.mu.Lock()
	st, ok := c.m[path]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil || !sameVersion(st.info, fi) {
		return nil
	}
	return st.proto
}

// remember records that fi is the version of path compiled to proto, read
// at readAt.
func (c *stampCache) remember(path string, fi os.FileInfo, readAt time.Time, proto *lua.FunctionProto) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if readAt.Sub(fi.ModTime()) < racyWindow || !fi.Mode().IsRegular() {
		delete(c.m, path)
		return
	}
	if c.m == nil || len(c.m) >= DefaultCacheSize {
		c.m = make(map[string]stamp)
	}
	c.m[path] = stamp{info: fi, proto: proto}
}

// sameVersion reports whether a and b are the same file with the same size
// and modification time.
func sameVersion(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime()) && a.Mode() == b.Mode()
}
