package pattern

import (
	"errors"
	"math"
)

// Limits of a match.
const (
	// MaxBacktrack bounds the backtracking stack of one match attempt
	// (about 24 bytes an entry, so 24 MiB): a pattern such as ".*b" on a
	// long subject needs one entry per byte it skips. Beyond it the match
	// fails with "pattern/input too complex", as gopher-lua's recursion
	// limit did.
	MaxBacktrack = 1 << 20
	// CheckEvery is how many VM steps a match makes between calls of its
	// check function (a few tens of microseconds).
	CheckEvery = 1 << 12
)

// errTooComplex is the error of a match over MaxBacktrack.
var errTooComplex = &Error{Pos: _UNKNOWN, Message: "pattern/input too complex"}

// Pattern is a compiled Lua pattern. It is immutable and safe for
// concurrent use.
type Pattern struct {
	insts    []inst
	anchored bool // starts with ^: matched at the initial position only
}

// Compile parses and compiles a Lua pattern. The error is an *Error.
func Compile(p string) (pat *Pattern, err error) {
	defer func() {
		if v := recover(); v != nil {
			perr, ok := v.(*Error)
			if !ok {
				panic(v)
			}
			err = perr
		}
	}()
	seq := parsePattern(newScanner([]byte(p)), true)
	return &Pattern{insts: compilePattern(seq), anchored: seq.MustHead}, nil
}

// Anchored reports whether the pattern starts with ^.
func (p *Pattern) Anchored() bool { return p.anchored }

// Find returns the first match in src at or after byte offset init, or nil
// when there is none. check, when not nil, is called every CheckEvery
// steps of the matcher (and at each start position); a non-nil error from
// it stops the search and is returned as it is. Other errors are *Error.
func (p *Pattern) Find(src []byte, init int, check func() error) (*MatchData, error) {
	if len(src) > math.MaxInt32 {
		return nil, &Error{Pos: _UNKNOWN, Message: "string too long for pattern matching"}
	}
	m := matcher{insts: p.insts, src: src, check: check}
	for sp := init; sp <= len(src); sp++ {
		md, err := m.matchAt(sp)
		if md != nil || err != nil {
			return md, err
		}
		if p.anchored {
			break
		}
	}
	return nil, nil
}

// matcher is the state of one Find.
type matcher struct {
	insts []inst
	src   []byte
	check func() error
	steps int
	stack []backtrack // reused between start positions
}

// backtrack is an entry of the backtracking stack: an alternative to try
// (pc, sp), or a capture to restore on the way back (restore set).
type backtrack struct {
	pc, sp  int
	restore bool
	capture uint32 // the value to restore at index pc
}

// matchAt runs the pattern at position sp: an iterative form of
// gopher-lua's recursive VM, with an explicit backtracking stack (the
// recursive one grew the Go stack by a frame per byte of a ".-" match) and
// a step counter for check.
func (m *matcher) matchAt(sp int) (*MatchData, error) {
	md := &MatchData{captures: []uint32{}}
	insts, src := m.insts, m.src
	stack := m.stack[:0]
	defer func() { m.stack = stack[:0] }()
	pc := 0
	for {
		m.steps++
		if m.steps%CheckEvery == 0 && m.check != nil {
			if err := m.check(); err != nil {
				return nil, err
			}
		}
		in := insts[pc]
		fail := false
		switch in.OpCode {
		case opChar:
			if sp >= len(src) || !in.Class.Matches(int(src[sp])) {
				fail = true
				break
			}
			pc++
			sp++
		case opMatch:
			return md, nil
		case opTailMatch:
			if sp >= len(src) {
				return md, nil
			}
			fail = true
		case opJmp:
			pc = in.Operand1
		case opSplit:
			stack = append(stack, backtrack{pc: in.Operand2, sp: sp})
			pc = in.Operand1
		case opSave:
			old := md.setCapture(in.Operand1, sp)
			stack = append(stack, backtrack{pc: in.Operand1, restore: true, capture: old})
			pc++
		case opPSave:
			md.addPosCapture(in.Operand1, sp+1)
			pc++
		case opBrace:
			if sp >= len(src) || int(src[sp]) != in.Operand1 {
				fail = true
				break
			}
			count := 1
			fail = true
			for sp = sp + 1; sp < len(src); sp++ {
				if int(src[sp]) == in.Operand2 {
					count--
				}
				if count == 0 {
					pc++
					sp++
					fail = false
					break
				}
				if int(src[sp]) == in.Operand1 {
					count++
				}
				if m.steps++; m.steps%CheckEvery == 0 && m.check != nil {
					if err := m.check(); err != nil {
						return nil, err
					}
				}
			}
		case opNumber:
			idx := in.Operand1 * 2
			if idx >= md.CaptureLength()-1 {
				return nil, &Error{Pos: _UNKNOWN, Message: "invalid capture index"}
			}
			start, end := md.Capture(idx), md.Capture(idx+1)
			if start > end || end > len(src) { // not closed yet
				return nil, &Error{Pos: _UNKNOWN, Message: "invalid capture index"}
			}
			capture := src[start:end]
			if sp+len(capture) > len(src) || string(src[sp:sp+len(capture)]) != string(capture) {
				fail = true
				break
			}
			pc++
			sp += len(capture)
		default:
			return nil, errors.New("pattern: bad instruction")
		}
		if len(stack) > MaxBacktrack {
			return nil, errTooComplex
		}
		if !fail {
			continue
		}
		for {
			if len(stack) == 0 {
				return nil, nil
			}
			b := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if b.restore {
				md.restoreCapture(b.pc, b.capture)
				continue
			}
			pc, sp = b.pc, b.sp
			break
		}
	}
}

// CaptureLength returns the number of capture positions (2 per capture,
// capture 0 being the whole match).
func (st *MatchData) CaptureLength() int { return len(st.captures) }

// IsPosCapture reports whether capture position idx is a position capture ().
func (st *MatchData) IsPosCapture(idx int) bool { return (st.captures[idx] & 1) == 1 }

// Capture returns capture position idx: a byte offset (start at even
// indexes, end at odd ones), or the 1-based position of a position capture.
func (st *MatchData) Capture(idx int) int { return int(st.captures[idx] >> 1) }
