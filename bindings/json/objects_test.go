package json

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// objectDocs are arrays whose object elements DecodeReaderLazy keeps as
// text: every read of a lazy table must give what the table Decode builds
// holds.
var objectDocs = []struct {
	name string
	doc  string
}{
	{"connections", `[{"client_id":"c1","bundle_id":"b1","connection_id":"A","metadata":{"k":"v","n":[1,2]}},` +
		`{"client_id":"c2","connection_id":"B","metadata":{}}]`},
	{"scalars of every kind", `[{"s":"x","i":42,"neg":-7,"f":1.5,"e":1e3,"t":true,"n":false,"z":null,"empty":""}]`},
	{"big numbers", `[{"big":12345678901234567890,"long":1234567890123456,"negz":-0,"small":5e-324}]`},
	{"escaped keys and values", `[{"a\"b":"q\"uote","\u00e9t\u00e9":"\u2603","tab\t":"\ud83d\ude00","a\\":"bs"}]`},
	{"duplicate keys: the last wins", `[{"k":1,"k":"two","m":{"a":1},"m":[3]}]`},
	{"white space everywhere", "[ { \"a\" : 1 , \"b\" :\t{ \"c\" : [ ] } , \"d\" : \"x\" } ,\n{ } ]"},
	{"other elements", `[1,"s",null,true,[{"a":1}],{"a":{"b":{"c":null}}}]`},
	{"empty array", `[]`},
	{"nested containers", `[{"arr":[{"x":1},{"y":[true,null]}],"obj":{"deep":{"deeper":"v"}}}]`},
	{"not an array", `{"a":{"b":1}}`},
}

// TestObjectsReads reads every key (and some absent ones) of every lazy
// object through Lua indexing, before and after filling: each read is what
// Decode's table holds, a read of a string, number, boolean or null
// leaves the table unfilled, and the filled table encodes as Decode's.
func TestObjectsReads(t *testing.T) {
	for _, tt := range objectDocs {
		t.Run(tt.name, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			eager, err := DecodeReader(L, strings.NewReader(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			objs := NewObjects(L)
			lazy, err := DecodeReaderLazy(L, strings.NewReader(tt.doc), objs)
			if err != nil {
				t.Fatal(err)
			}
			et, ok := eager.(*lua.LTable)
			if !ok {
				t.Fatalf("decoded %s, want a table", eager.Type())
			}
			lt := lazy.(*lua.LTable)
			if got, want := lt.Len(), et.Len(); got != want {
				t.Fatalf("%d elements, want %d", got, want)
			}
			keys := []lua.LValue{lua.LString("absent"), lua.LNumber(1), lua.LTrue}
			et.ForEach(func(_, e lua.LValue) {
				if o, ok := e.(*lua.LTable); ok {
					o.ForEach(func(k, _ lua.LValue) { keys = append(keys, k) })
				}
			})
			for i := 1; i <= et.Len(); i++ {
				e, l := et.RawGetInt(i), lt.RawGetInt(i)
				if _, ok := e.(*lua.LTable); !ok {
					if !sameJSON(t, l, e) {
						t.Errorf("element %d = %v, want %v", i, l, e)
					}
					continue
				}
				for _, k := range keys {
					lt, _ := l.(*lua.LTable)
					_, wasLazy := objs.text.Get(lt)
					got := L.GetTable(l, k)
					want := lua.LValue(lua.LNil)
					if o, ok := e.(*lua.LTable); ok {
						want = o.RawGet(k)
					}
					if !sameJSON(t, got, want) {
						t.Errorf("element %d, [%v] = %v, want %v", i, k, got, want)
					}
					_, table := want.(*lua.LTable)
					_, number := want.(*lua.LUserData)
					_, isLazy := objs.text.Get(lt)
					if filled := wasLazy && !isLazy; filled != (wasLazy && (table || number && !isJSONNull(want))) {
						t.Errorf("element %d, [%v]: filled %v, want it filled only for a table or json.number", i, k, filled)
					}
				}
			}
			le, err := Encode(lazy)
			if err != nil {
				t.Fatal(err)
			}
			ee, _ := Encode(eager)
			if string(le) != string(ee) {
				t.Errorf("lazy list encodes as %s\nwant %s", le, ee)
			}
			if objs.Len() != 0 {
				t.Errorf("%d tables not filled after Encode", objs.Len())
			}
			for i := 1; i <= lt.Len(); i++ { // filled: the same metatable as Decode's
				if l, ok := lt.RawGetInt(i).(*lua.LTable); ok {
					if e := et.RawGetInt(i).(*lua.LTable); l.Metatable != e.Metatable {
						t.Errorf("element %d: metatable %v after filling, want %v", i, l.Metatable, e.Metatable)
					}
				}
			}
		})
	}
}

// sameJSON reports whether a and b are the same value, tables compared by
// their encoding.
func sameJSON(t *testing.T, a, b lua.LValue) bool {
	t.Helper()
	if _, ok := a.(*lua.LTable); !ok {
		if na, ok := NumberText(a); ok {
			nb, _ := NumberText(b)
			return na == nb
		}
		return a == b
	}
	ea, err := Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	eb, _ := Encode(b)
	return string(ea) == string(eb)
}

// TestObjectsErrors: DecodeReaderLazy refuses what DecodeReader refuses,
// with the same message, and takes the nesting limit at the same depth.
func TestObjectsErrors(t *testing.T) {
	deep := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	tests := []struct {
		name string
		doc  string
		ok   bool
	}{
		{"nesting at the limit", "[" + deep(MaxDepth-1) + "]", true},
		{"nesting over the limit", "[" + deep(MaxDepth) + "]", false},
		{"syntax error in an object", `[{"a":1},{"a" 2}]`, false},
		{"invalid UTF-8 in an object", "[{\"a\":\"\xff\"}]", false},
		{"not closed", `[{"a":1}`, false},
		{"bad separator", `[{"a":1} {"b":2}]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			_, want := DecodeReader(L, strings.NewReader(tt.doc))
			v, got := DecodeReaderLazy(L, strings.NewReader(tt.doc), NewObjects(L))
			if (want == nil) != tt.ok {
				t.Fatalf("DecodeReader: %v, the test wants ok = %v", want, tt.ok)
			}
			if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
				t.Fatalf("DecodeReaderLazy: %v\nwant %v", got, want)
			}
			if tt.ok {
				if _, err := Encode(v); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestObjectsInLua: what a script sees of lazy objects (pairs, which
// the engine's honours __pairs for, is tested with the engine in
// bindings/sora).
func TestObjectsInLua(t *testing.T) {
	const doc = `[{"connection_id":"A","n":1,"metadata":{"k":"v"}},{"connection_id":"B","metadata":{}}]`
	tests := []struct {
		name string
		code string
	}{
		{"scalar reads leave it lazy", `
			local c = list[1]
			assert(c.connection_id == "A" and c.n == 1 and c.none == nil)
			assert(getmetatable(c) == "lazy", tostring(getmetatable(c)))
			assert(rawget(c, "connection_id") == nil and next(c) == nil)`},
		{"a table field fills it once", `
			local c = list[1]
			local md = c.metadata
			assert(md.k == "v" and c.metadata == md)
			md.k = "w"
			assert(list[1].metadata.k == "w")
			assert(rawget(c, "connection_id") == "A")
			assert(json.is_object(c) and type(getmetatable(c)) == "table")`},
		{"assigning fills it", `
			local c = list[2]
			c.extra = true
			assert(c.connection_id == "B" and rawget(c, "metadata") ~= nil and c.extra)
			assert(json.encode(c) == '{"connection_id":"B","extra":true,"metadata":{}}', json.encode(c))`},
		{"a field set raw before filling wins", `
			local c = list[1]
			rawset(c, "connection_id", "X")
			assert(c.connection_id == "X")
			assert(json.encode(c) == '{"connection_id":"X","metadata":{"k":"v"},"n":1}', json.encode(c))`},
		{"setmetatable fails", `
			assert(not pcall(setmetatable, list[1], {}))`},
		{"encode fills every one", `
			assert(json.encode(list) == '[{"connection_id":"A","metadata":{"k":"v"},"n":1},{"connection_id":"B","metadata":{}}]', json.encode(list))`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			L.PreloadModule("json", Loader)
			if err := L.DoString(`json = require("json")`); err != nil {
				t.Fatal(err)
			}
			v, err := DecodeReaderLazy(L, strings.NewReader(doc), NewObjects(L))
			if err != nil {
				t.Fatal(err)
			}
			L.SetGlobal("list", v)
			if err := L.DoString(tt.code); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestObjectsAnyOrder reads the lazy objects of a list in several orders,
// filling some on the way: each read finds its own object's text.
func TestObjectsAnyOrder(t *testing.T) {
	var doc strings.Builder
	doc.WriteString("[")
	for i := 1; i <= 50; i++ {
		if i > 1 {
			doc.WriteString(",")
		}
		fmt.Fprintf(&doc, `{"i":%d,"m":{"i":%d}}`, i, i)
	}
	doc.WriteString("]")
	orders := []struct{ name, code string }{
		{"in order", `for i = 1, #list do order[#order + 1] = i end`},
		{"backwards", `for i = #list, 1, -1 do order[#order + 1] = i end`},
		{"odd then even", `for i = 1, #list, 2 do order[#order + 1] = i end; for i = 2, #list, 2 do order[#order + 1] = i end`},
		{"each twice", `for i = 1, #list do order[#order + 1] = i; order[#order + 1] = i end`},
	}
	for _, o := range orders {
		t.Run(o.name, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			v, err := DecodeReaderLazy(L, strings.NewReader(doc.String()), NewObjects(L))
			if err != nil {
				t.Fatal(err)
			}
			L.SetGlobal("list", v)
			err = L.DoString(`order = {}
` + o.code + `
for k, i in ipairs(order) do
  local c = list[i]
  if c.i ~= i then error(string.format("list[%d].i = %s", i, tostring(c.i))) end
  -- every seventh read fills its table (a table field): the rest stay lazy
  if k % 7 == 0 and c.m.i ~= i then error(string.format("list[%d].m.i = %s", i, tostring(c.m.i))) end
end`)
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestObjectsAddMembers keeps the members asked for, as DecodeMembers
// decodes them, and nothing else.
func TestObjectsAddMembers(t *testing.T) {
	keysets := [][]string{{"connection_id"}, {"metadata", "connection_id"}, {"a\"b", "été", "k", "m"}, {"none"}}
	for _, tt := range objectDocs {
		for _, keys := range keysets {
			t.Run(tt.name+"/"+strings.Join(keys, ","), func(t *testing.T) {
				L := lua.NewState()
				defer L.Close()
				objs := NewObjects(L)
				i := 0
				err := ForEachElement(strings.NewReader(tt.doc), func(elem []byte) error {
					i++
					got, err := objs.AddMembers(elem, 1, keys)
					if err != nil {
						return err
					}
					want, _ := DecodeReader(L, strings.NewReader("["+string(elem)+"]"))
					wv := want.(*lua.LTable).RawGetInt(1)
					if elem[0] == '{' {
						vals := make([]lua.LValue, len(keys))
						if _, err := DecodeMembers(L, elem, keys, vals); err != nil {
							return err
						}
						wt := L.CreateTable(0, 0)
						for k, key := range keys {
							if vals[k] != nil {
								wt.RawSetString(key, vals[k])
							}
						}
						MarkObject(L, wt)
						wv = wt
					}
					if !sameJSON(t, got, wv) {
						ge, _ := Encode(got)
						we, _ := Encode(wv)
						t.Errorf("element %d: %s, want %s", i, ge, we)
					}
					return nil
				})
				if err != nil && tt.name != "not an array" {
					t.Fatal(err)
				}
			})
		}
	}
}

// FuzzObjects: for any document, DecodeReaderLazy fails exactly when
// DecodeReader does, with the same message; every field read of every lazy
// object (each key of the object, and one it lacks) gives what the eagerly
// decoded object holds; and the lazy value encodes as the eager one, and so
// does its copy with only some members (AddMembers).
func FuzzObjects(f *testing.F) {
	for _, d := range objectDocs {
		f.Add([]byte(d.doc))
	}
	f.Add([]byte(`[{"a":1e400,"b":"\ud800","c":{"d":[{}]},"a":-0.0}, {"\u0000":null}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		L := lua.NewState(lua.Options{SkipOpenLibs: true})
		defer L.Close()
		eager, werr := DecodeReader(L, bytes.NewReader(data))
		objs := NewObjects(L)
		lazy, gerr := DecodeReaderLazy(L, bytes.NewReader(data), objs)
		if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
			t.Fatalf("DecodeReaderLazy error %v, DecodeReader's %v", gerr, werr)
		}
		if werr != nil {
			return
		}
		et, ok := eager.(*lua.LTable)
		if !ok {
			return
		}
		lt := lazy.(*lua.LTable)
		for i := 1; i <= et.Len(); i++ {
			e, ok := et.RawGetInt(i).(*lua.LTable)
			if !ok {
				continue
			}
			l := lt.RawGetInt(i)
			keys := []lua.LValue{lua.LString("\x00absent")}
			e.ForEach(func(k, _ lua.LValue) { keys = append(keys, k) })
			for _, k := range keys {
				if got, want := L.GetTable(l, k), e.RawGet(k); !sameJSON(t, got, want) {
					t.Fatalf("element %d, [%q] = %v, want %v", i, k, got, want)
				}
			}
		}
		le, err := Encode(lazy)
		if err != nil {
			t.Fatal(err)
		}
		ee, _ := Encode(eager)
		if !bytes.Equal(le, ee) {
			t.Fatalf("lazy encodes as %s, want %s", le, ee)
		}
		// Only some members: the first key of each object, when it has one.
		var keys []string
		et.ForEach(func(_, v lua.LValue) {
			if o, ok := v.(*lua.LTable); ok {
				if k, _ := o.Next(lua.LNil); k != lua.LNil {
					keys = append(keys, k.String())
				}
			}
		})
		st := jsonStateOf(L)
		if et.Metatable != st.array {
			return // an object document: AddMembers is for List elements
		}
		i := 0
		err = ForEachElement(bytes.NewReader(data), func(elem []byte) error {
			i++
			got, err := objs.AddMembers(elem, 1, keys)
			if err != nil {
				return err
			}
			want := et.RawGetInt(i)
			if e, ok := want.(*lua.LTable); ok && e.Metatable == st.object {
				w := L.CreateTable(0, 0)
				for _, k := range keys {
					if v := e.RawGetString(k); v != lua.LNil {
						w.RawSetString(k, v)
					}
				}
				MarkObject(L, w)
				want = w
			}
			if !sameJSON(t, got, want) {
				ge, _ := Encode(got)
				we, _ := Encode(want)
				t.Fatalf("element %d with members %q: %s, want %s", i, keys, ge, we)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("AddMembers of an accepted document: %v", err)
		}
	})
}

// TestField reads fields as t[key] would, without running Lua: a lazy
// table stays unfilled for a scalar and is filled for a table.
func TestField(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	objs := NewObjects(L)
	v, err := DecodeReaderLazy(L, strings.NewReader(`[{"id":"A","n":2,"md":{"k":1}}]`), objs)
	if err != nil {
		t.Fatal(err)
	}
	c := v.(*lua.LTable).RawGetInt(1).(*lua.LTable)
	if got := Field(c, "id"); got != lua.LString("A") || objs.Len() != 1 {
		t.Fatalf("Field(id) = %v with %d unfilled, want A and the table unfilled", got, objs.Len())
	}
	if got := Field(c, "none"); got != lua.LNil || objs.Len() != 1 {
		t.Fatalf("Field(none) = %v with %d unfilled, want nil and the table unfilled", got, objs.Len())
	}
	md, ok := Field(c, "md").(*lua.LTable)
	if !ok || objs.Len() != 0 || c.RawGetString("md") != md || md.RawGetString("k") != lua.LNumber(1) {
		t.Fatalf("Field(md) = %v with %d unfilled, want the filled table's md", md, objs.Len())
	}
	plain := L.CreateTable(0, 1)
	plain.RawSetString("id", lua.LString("B"))
	if got := Field(plain, "id"); got != lua.LString("B") {
		t.Fatalf("Field of a plain table = %v, want B", got)
	}
}
