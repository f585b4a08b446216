package isolation

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// killGrace is how long past its deadline (or the cancellation of its
// context) a child has to report before it is killed.
const killGrace = 200 * time.Millisecond

// maxChildLine caps a line of the child's output (a result is at most
// 32 MiB as JSON, and so is the plan).
const maxChildLine = 80 << 20

// maxChildStderr is how much of the child's stderr is kept for the error
// of a child that ended without a result.
const maxChildStderr = 16 << 10

// Child is how to start the child process of a run.
type Child struct {
	// Command starts a child process that serves one run with Serve on
	// its standard input and output.
	Command []string
	// Env is added to the child's environment.
	Env []string
}

// End is what a child reported before it ended, and how it ended.
type End struct {
	// Result is the run's result; nil when the child ended without one.
	Result *Result
	// Memory is the memory watchdog's report; nil when it did not stop
	// the child.
	Memory *Memory
	// ReadErr is a message of the child that could not be read.
	ReadErr error
	// KilledBy is why the parent killed the child:
	// context.DeadlineExceeded at the run's deadline, the context's error
	// at its end; nil when the child ended by itself.
	KilledBy error
	// WaitErr is the child's exit (exec.Cmd.Wait).
	WaitErr error
	// Stderr is the end of the child's stderr.
	Stderr string
}

// OverMemory reports whether the child was stopped by its memory limit:
// by its watchdog, or by the OS limit (the runtime's "out of memory").
func (e *End) OverMemory() bool {
	return e.Memory != nil || strings.Contains(e.Stderr, "out of memory") || exitCode(e.WaitErr) == ExitMemory
}

// Run starts a child with c, sends it req, relays its logs to logger,
// calls onStart (when not nil) when its script starts, and returns what it
// reported once it has ended. The child is killed killGrace after
// req.Deadline (when set) whatever it is doing; when ctx ends first, it is
// interrupted (it reports its cancelled run) and killed killGrace later.
// The error is that of a child that could not be started.
func Run(ctx context.Context, c Child, req *Request, logger *slog.Logger, onStart func()) (*End, error) {
	in, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("isolation process: args: %w", err)
	}
	cmd := exec.Command(c.Command[0], c.Command[1:]...)
	cmd.Env = append(os.Environ(), c.Env...)
	cmd.Stdin = bytes.NewReader(in)
	stderr := &tailBuffer{max: maxChildStderr}
	cmd.Stderr = stderr
	setChildAttrs(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("isolation process: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("isolation process: start the child: %w", err)
	}
	stop := make(chan struct{})
	var killed struct {
		sync.Mutex
		why error // context.DeadlineExceeded or the context's error
	}
	go func() { // kill the child at the deadline or the end of ctx, whatever it is doing
		var deadline <-chan time.Time
		if !req.Deadline.IsZero() {
			t := time.NewTimer(time.Until(req.Deadline) + killGrace)
			defer t.Stop()
			deadline = t.C
		}
		why := error(context.DeadlineExceeded)
		select {
		case <-stop:
			return
		case <-deadline:
		case <-ctx.Done():
			why = ctx.Err()
			_ = cmd.Process.Signal(os.Interrupt) // the child reports its cancelled run
			select {
			case <-stop:
				return
			case <-time.After(killGrace):
			}
		}
		killed.Lock()
		killed.why = why
		killed.Unlock()
		_ = cmd.Process.Kill()
	}()
	end := readChild(out, logger, onStart)
	end.WaitErr = cmd.Wait()
	close(stop)
	killed.Lock()
	end.KilledBy = killed.why
	killed.Unlock()
	end.Stderr = stderr.String()
	return end, nil
}

// readChild reads the child's messages until its stdout closes: logs go
// to logger, the start calls onStart.
func readChild(out io.Reader, logger *slog.Logger, onStart func()) *End {
	end := &End{}
	br := bufio.NewReaderSize(out, 64<<10)
	for {
		line, err := readLine(br, maxChildLine)
		if len(line) > 0 {
			var m Message
			d := json.NewDecoder(bytes.NewReader(line))
			d.UseNumber()
			if derr := d.Decode(&m); derr != nil {
				end.ReadErr = fmt.Errorf("bad message from the child: %w", derr)
			}
			switch {
			case m.Log != nil:
				relog(logger, m.Log)
			case m.Started:
				if onStart != nil {
					onStart()
				}
			case m.Memory != nil:
				end.Memory = m.Memory
			case m.Result != nil:
				end.Result = m.Result
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				end.ReadErr = err
			}
			_, _ = io.Copy(io.Discard, out)
			return end
		}
	}
}

// readLine reads one line of at most max bytes (longer lines are an
// error).
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > max {
			return nil, fmt.Errorf("a line of the child's output is over %d bytes", max)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return line, err
	}
}

// relog logs a record of the child with logger.
func relog(logger *slog.Logger, l *Log) {
	ctx := context.Background()
	if !logger.Enabled(ctx, l.Level) {
		return
	}
	r := slog.NewRecord(l.Time, l.Level, l.Msg, 0)
	for k, v := range l.Attrs {
		r.AddAttrs(slog.Any(k, v))
	}
	_ = logger.Handler().Handle(ctx, r)
}

// exitCode returns the exit code of a child's Wait error, or -1.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
