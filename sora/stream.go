package sora

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// errTooLarge is the error of a reply longer than Config.MaxResponseBytes.
var errTooLarge = errors.New("reply too large")

// tooLarge is the error of a reply of target longer than the cap.
func (c *Client) tooLarge(target string) error {
	return &TransportError{Target: target, Err: fmt.Errorf("%w: over %d bytes (raise --max-reply-size or sora.max_reply_size)", errTooLarge, c.maxBody)}
}

// decodeError marks a reply that was read but could not be decoded: a
// retry would read the same, so it is not retried.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return "decode reply: " + e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }

// Stream sends body (JSON; nil is sent as {}) to target like Call and
// hands the reply of a 2xx to decode as a stream instead of returning it,
// so that a large reply (a List of a big channel) is decoded as it
// arrives and never held whole. A reply of only white space reads as
// null. decode must consume the reply; it is called once per attempt, so
// it must start afresh each time (a retry follows a failure to read).
// The reply is capped at Config.MaxResponseBytes: beyond it decode's
// reader fails and Stream returns "reply too large". An error of decode
// that is not one of its reader's is a decode error, not retried.
func (c *Client) Stream(ctx context.Context, target string, body []byte, decode func(io.Reader) error) error {
	full, err := FullTarget(target)
	if err != nil {
		return err
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	_, err = c.do(ctx, full, body, decode)
	return err
}

// stream feeds the body of a 2xx reply to sink through the size cap.
// touch is called after each read of the body.
func (c *Client) stream(target string, resp *http.Response, sink func(io.Reader) error, touch func()) error {
	cr := &capReader{r: resp.Body, left: c.maxBody, touch: touch}
	br := bufio.NewReaderSize(cr, 32<<10)
	var r io.Reader = br
	if empty, err := blank(br); err != nil && !cr.tooLarge {
		return &TransportError{Target: target, Err: fmt.Errorf("read reply (status %d): %w", resp.StatusCode, err)}
	} else if empty && !cr.tooLarge {
		r = strings.NewReader("null")
	}
	err := sink(r)
	if err == nil {
		// The reply must end where the value does (and within the cap).
		var one [1]byte
		if n, _ := io.ReadFull(br, one[:]); n > 0 && !cr.tooLarge {
			err = errors.New("data after the reply's value")
		}
	}
	switch {
	case cr.tooLarge:
		return c.tooLarge(target)
	case cr.err != nil:
		return &TransportError{Target: target, Err: fmt.Errorf("read reply (status %d): %w", resp.StatusCode, cr.err)}
	case err != nil:
		return &TransportError{Target: target, Err: &decodeError{err}}
	}
	return nil
}

// blank skips leading white space of br and reports whether nothing else
// is left.
func blank(br *bufio.Reader) (bool, error) {
	for {
		b, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		switch b {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return false, br.UnreadByte()
	}
}

// capReader reads at most left bytes of r: the read that would go past
// them fails with errTooLarge and sets tooLarge. err keeps r's first error
// other than io.EOF. touch, when set, is called after each read.
type capReader struct {
	r        io.Reader
	touch    func()
	left     int64
	tooLarge bool
	err      error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.tooLarge {
		return 0, errTooLarge
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	if c.touch != nil {
		c.touch()
	}
	c.left -= int64(n)
	if c.left < 0 {
		c.tooLarge = true
		return 0, errTooLarge
	}
	if err != nil && !errors.Is(err, io.EOF) && c.err == nil {
		c.err = err
	}
	return n, err
}
