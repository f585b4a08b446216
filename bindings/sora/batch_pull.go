package sora

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"

	"github.com/soracron/soracron/bindings/plan"
)

// puller gives sora.batch its requests from a Lua function, called with no
// arguments, that returns the next request table or nil when there are no
// more (sora.batch(next_request)): a batch over a big channel then never
// holds all its request tables at once. Its misuse (a return that is
// neither a table nor nil, an error inside the function, a bad request) is
// raised as an argument error naming the request's place, as for a table
// of requests; the requests done stay done, those in flight are cancelled
// (plan.Pool.Run on a panic of next).
type puller struct {
	fn   *lua.LFunction
	done bool // the function returned nil
	i    int  // the request being pulled, from 0, for where
	// memo reuses the encoding of a string or boolean value given again
	// (a table is encoded each time: Lua runs between two requests, so it
	// may have changed).
	memo valueMemo
	// free are the requests sendBatch is done with (release), reused by
	// the next pulls, so that a batch of any length allocates about
	// concurrency of them.
	free []*plan.Request
}

// release gives back a request sendBatch is done with.
func (p *puller) release(r *plan.Request) { p.free = append(p.free, r) }

// where names the request being pulled in an error.
func (p *puller) where() string { return fmt.Sprintf("requests[%d]", p.i+1) }

// next returns the pull function of sendBatch: it calls the Lua function
// for request i (from 0) and reads the table it returns. The function may
// return the same table each time, changed in between: its fields are
// read when it is returned.
func (p *puller) next(L *lua.LState) func(i int) *plan.Request {
	p.memo.pulled = true
	where := p.where
	return func(i int) *plan.Request {
		if p.done {
			return nil
		}
		p.i = i
		if err := L.CallByParam(lua.P{Fn: p.fn, NRet: 1, Protect: true}); err != nil {
			msg := err.Error()
			if e, ok := err.(*lua.ApiError); ok {
				msg = e.Object.String() // without the traceback, which the raise adds again
			}
			L.ArgError(1, fmt.Sprintf("%s: next_request failed: %s", where(), msg))
		}
		v := L.Get(-1)
		L.Pop(1)
		switch t := v.(type) {
		case *lua.LNilType:
			p.done = true
			return nil
		case *lua.LTable:
			var r *plan.Request
			if k := len(p.free); k > 0 {
				r, p.free = p.free[k-1], p.free[:k-1]
				*r = plan.Request{}
			} else {
				r = &plan.Request{}
			}
			readRequest(L, 1, where, t, "", r, &p.memo)
			return r
		default:
			L.ArgError(1, fmt.Sprintf("%s must be a table or nil, got %s", where(), v.Type()))
			return nil
		}
	}
}

// pullAll pulls every request of fn, for a dry run (which reads them all
// before it applies them).
func pullAll(L *lua.LState, fn *lua.LFunction) []plan.Request {
	p := &puller{fn: fn}
	pull := p.next(L)
	var reqs []plan.Request
	for i := 0; ; i++ {
		r := pull(i)
		if r == nil {
			return reqs
		}
		reqs = append(reqs, *r)
	}
}
