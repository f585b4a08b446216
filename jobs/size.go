package jobs

import (
	"errors"
	"math"

	"github.com/dustin/go-humanize"
)

// ParseSize reads a size in bytes such as "64MiB", "1GiB", "500MB" or
// "1048576" (IEC and SI units, case-insensitive), as sora.max_reply_size
// and --max-reply-size take it. Zero is refused.
func ParseSize(s string) (int64, error) {
	n, err := humanize.ParseBytes(s)
	if err != nil || n > math.MaxInt64 {
		return 0, errors.New("want a size such as 64MiB, 1GiB or a number of bytes")
	}
	if n == 0 {
		return 0, errors.New("must be more than 0 bytes")
	}
	return int64(n), nil
}
