package engine

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/soracron/soracron/engine/internal/source"
)

// DefaultCacheSize is the number of compiled chunks an Engine keeps.
const DefaultCacheSize = 256

// cacheKey identifies one version of one chunk: its name (the path as given,
// which is also the chunk name baked into the proto) and the hash of its bytes.
type cacheKey struct {
	name string
	sum  [sha256.Size]byte
}

type cacheEntry struct {
	key   cacheKey
	proto *lua.FunctionProto
}

// protoCache is a bounded LRU of compiled chunks, safe for concurrent use.
// Compiled protos are immutable and shared by all the runs' LStates.
type protoCache struct {
	mu     sync.Mutex
	max    int
	ll     *list.List // of *cacheEntry, most recently used first
	items  map[cacheKey]*list.Element
	byName map[string]cacheKey // latest version of each name
}

func newProtoCache(max int) *protoCache {
	if max <= 0 {
		max = DefaultCacheSize
	}
	return &protoCache{
		max:    max,
		ll:     list.New(),
		items:  make(map[cacheKey]*list.Element),
		byName: make(map[string]cacheKey),
	}
}

func (c *protoCache) get(k cacheKey) (*lua.FunctionProto, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(el)
	return el.Value.(*cacheEntry).proto, true
}

func (c *protoCache) put(k cacheKey, p *lua.FunctionProto) *lua.FunctionProto {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok { // compiled concurrently by another run: keep the first
		c.ll.MoveToFront(el)
		return el.Value.(*cacheEntry).proto
	}
	// A new version of a file makes the old one garbage.
	if old, ok := c.byName[k.name]; ok {
		c.remove(old)
	}
	c.items[k] = c.ll.PushFront(&cacheEntry{key: k, proto: p})
	c.byName[k.name] = k
	for c.ll.Len() > c.max {
		c.remove(c.ll.Back().Value.(*cacheEntry).key)
	}
	return p
}

func (c *protoCache) remove(k cacheKey) {
	el, ok := c.items[k]
	if !ok {
		return
	}
	c.ll.Remove(el)
	delete(c.items, k)
	if c.byName[k.name] == k {
		delete(c.byName, k.name)
	}
}

func (c *protoCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// compile returns the proto of chunk name with content src, from the cache
// when this exact version was compiled before. A syntax error is a
// *ScriptError of Kind Syntax.
func (c *protoCache) compile(name string, src []byte) (*lua.FunctionProto, error) {
	k := cacheKey{name: name, sum: sha256.Sum256(src)}
	if p, ok := c.get(k); ok {
		return p, nil
	}
	p, err := compileChunk(name, src)
	if err != nil {
		return nil, err
	}
	return c.put(k, p), nil
}

// compileChunk parses and compiles src as chunk name.
func compileChunk(name string, src []byte) (*lua.FunctionProto, error) {
	src = source.StripHeader(src)
	if err := source.Check(src); err != nil {
		se := &ScriptError{Kind: Syntax, Script: name, Message: err.Error(), Err: err}
		var serr *source.Error
		if errors.As(err, &serr) {
			se.Line, se.Message = serr.Line, serr.Msg
		}
		return nil, se
	}
	chunk, err := parse.Parse(bytes.NewReader(src), name)
	if err != nil {
		return nil, syntaxError(name, src, err)
	}
	p, err := lua.Compile(chunk, name)
	if err != nil {
		return nil, syntaxError(name, src, err)
	}
	return p, nil
}

// parseErrorRE matches parse errors whose type is not *parse.Error:
// `<chunk> line:12(column:3) near 'x':   syntax error`.
var parseErrorRE = regexp.MustCompile(`(?s)^.* line:(\d+)\(column:\d+\) near '(.*)':\s+(.*?)\s*$`)

// gotoLineRE finds the line of a goto without label, which gopher-lua
// reports at the end of the enclosing function.
var gotoLineRE = regexp.MustCompile(`for <goto> at line (\d+)$`)

// syntaxError converts a gopher-lua parse or compile error into a
// *ScriptError with the chunk name, line and a Lua-style message.
func syntaxError(name string, src []byte, err error) *ScriptError {
	se := &ScriptError{Kind: Syntax, Script: name, Err: err}
	var pe *parse.Error
	var ce *lua.CompileError
	switch {
	case errors.As(err, &pe) && pe.Message == "Invalid token":
		se.Line = pe.Pos.Line
		se.Message = invalidChar(pe.Token)
	case errors.As(err, &pe):
		se.Line = pe.Pos.Line
		se.Message = strings.TrimSpace(pe.Message)
		if pe.Pos.Column == 0 && pe.Pos.Line > 1 {
			se.Line-- // the scanner had read the newline ending the bad line
		}
		if pe.Pos.Line == parse.EOF {
			se.Line = bytes.Count(src, []byte{'\n'}) + 1
			se.Message += " near <eof>"
		} else if pe.Token != "" {
			se.Message += " near '" + pe.Token + "'"
		}
	case errors.As(err, &ce):
		se.Line = ce.Line
		se.Message = ce.Message
		if m := gotoLineRE.FindStringSubmatch(ce.Message); m != nil {
			se.Line, _ = strconv.Atoi(m[1])
		}
	default:
		msg := strings.TrimSpace(err.Error())
		if m := parseErrorRE.FindStringSubmatch(msg); m != nil {
			se.Line, _ = strconv.Atoi(m[1])
			se.Message = m[3] + " near '" + m[2] + "'"
			if m[3] == "Invalid token" {
				se.Message = invalidChar(m[2])
			}
		} else {
			se.Message = msg
		}
	}
	if se.Message == "" {
		se.Message = "syntax error"
	}
	return se
}

// invalidChar is the message of gopher-lua's "Invalid token" (a character
// that cannot start a token): the character quoted, so that a stray byte
// does not reach a terminal raw, with a hint for non-ASCII ones.
func invalidChar(tok string) string {
	msg := "invalid character " + strconv.QuoteToASCII(tok)
	for i := 0; i < len(tok); i++ {
		if tok[i] >= 0x80 {
			return msg + " (non-ASCII bytes are only allowed in strings and comments)"
		}
	}
	return msg
}
