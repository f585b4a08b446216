package luatypes

// sig is the type of one module field in a compact form:
//
//	"name: type, opt?: type -> result type, ..."
//
// for a function (a result "T?" in a nil, err pair is written "T?, E?"), or
// "= type" for a value.
var sigs = map[string]string{
	"sora.list":        "channel_id: string, opts?: sora.ListOpts -> sora.Connection[]?, sora.Error?",
	"sora.get":         "channel_id: string, connection_id: string -> table?, sora.Error?",
	"sora.put":         "channel_id: string, connection_id: string, metadata: table, opts?: sora.WriteOpts -> table?, sora.Error?",
	"sora.delete":      "channel_id: string, connection_id: string, opts?: sora.WriteOpts -> table?, sora.Error?",
	"sora.put_item":    "channel_id: string, connection_id: string, key: string, value: any, opts?: sora.WriteOpts -> table?, sora.Error?",
	"sora.delete_item": "channel_id: string, connection_id: string, key: string, opts?: sora.WriteOpts -> table?, sora.Error?",
	"sora.update":      "channel_id: string, connection_id: string, fn: fun(md: table): table|false|nil, opts?: sora.WriteOpts -> table?, integer|sora.Error",
	"sora.update_all":  "channel_id: string, fn: fun(md: table, connection: sora.Connection): table|false|nil, opts?: sora.UpdateAllOpts -> sora.UpdateAllSummary?, sora.Error?",
	"sora.handled":     "v: sora.Error|sora.UpdateAllSummary|sora.BatchSummary|sora.BatchResult[]|nil -> integer",
	"sora.batch":       "requests: sora.BatchRequest[]|fun(): sora.BatchRequest?, opts?: sora.BatchOpts -> sora.BatchResult[]?, sora.BatchSummary|sora.Error",
	"sora.call":        "target: string, params?: table -> any, sora.Error?",
	"sora.dry_run":     "= boolean",

	"json.encode":    "value: any, opts?: json.EncodeOpts -> string?, string?",
	"json.decode":    "text: string -> any, string?",
	"json.null":      "= json.Null",
	"json.array":     "t?: table -> table",
	"json.object":    "t?: table -> table",
	"json.is_array":  "v: any -> boolean",
	"json.is_object": "v: any -> boolean",
	"json.number":    "x: string|number|json.Number -> json.Number",
	"json.to_number": "x: json.Number|number -> number",

	"log.debug": "message: string, fields?: table<string, any>",
	"log.info":  "message: string, fields?: table<string, any>",
	"log.warn":  "message: string, fields?: table<string, any>",
	"log.error": "message: string, fields?: table<string, any>",

	"time.now":             "-> number",
	"time.since":           "t: number -> number",
	"time.sleep":           "seconds: number",
	"time.format":          "t: number, zone?: string -> string",
	"time.parse":           "s: string -> number?, string?",
	"time.parse_duration":  "s: string -> number?, string?",
	"time.format_duration": "seconds: number -> string",

	"strings.split":      "s: string, sep: string, n?: integer -> string[]",
	"strings.fields":     "s: string -> string[]",
	"strings.join":       "list: (string|number)[], sep?: string -> string",
	"strings.trim":       "s: string, cutset?: string -> string",
	"strings.has_prefix": "s: string, prefix: string -> boolean",
	"strings.has_suffix": "s: string, suffix: string -> boolean",
	"strings.contains":   "s: string, substr: string -> boolean",
	"strings.replace":    "s: string, old: string, new: string, n?: integer -> string",
	"strings.lower":      "s: string -> string",
	"strings.upper":      "s: string -> string",

	"regexp.match":    "pattern: string, s: string -> boolean",
	"regexp.find":     "pattern: string, s: string -> string?, table<integer|string, string|false>?",
	"regexp.find_all": "pattern: string, s: string, n?: integer -> string[]",
	"regexp.gsub":     "pattern: string, s: string, repl: string|fun(match: string, groups: table<integer|string, string|false>): string|false|nil, n?: integer -> string, integer",

	"base64.encode":     "s: string -> string",
	"base64.decode":     "s: string -> string?, string?",
	"base64.url_encode": "s: string -> string",
	"base64.url_decode": "s: string -> string?, string?",

	"hex.encode": "s: string -> string",
	"hex.decode": "s: string -> string?, string?",

	"crypto.sha256":       "s: string -> string",
	"crypto.hmac_sha256":  "key: string, message: string -> string",
	"crypto.random_bytes": "n: integer -> string",
	"crypto.uuid_v4":      "-> string",
	"crypto.uuid_v7":      "-> string",

	"run.job":       "= string?",
	"run.trigger":   "= string?",
	"run.scheduled": "= number?",
	"run.id":        "= integer?",
	"run.node":      "= string?",

	"http.get":     "url: string, opts?: http.Opts -> http.Response?, http.Error?",
	"http.post":    "url: string, body: string, opts?: http.Opts -> http.Response?, http.Error?",
	"http.request": "method: string, url: string, opts?: http.RequestOpts -> http.Response?, http.Error?",

	"testing.fixture":       "fixture: string|table",
	"testing.test":          "name: string, fn: fun()",
	"testing.run":           "script: string, args?: table, opts?: testing.RunOpts -> any, testing.RunError?",
	"testing.metadata":      "channel_id: string, connection_id: string -> table?",
	"testing.connections":   "channel_id?: string -> table[]",
	"testing.pushes":        "channel_id?: string -> table[]",
	"testing.requests":      "-> table[]",
	"testing.plan":          "-> table?",
	"testing.stats":         "-> table",
	"testing.now":           "seconds?: number -> number",
	"testing.id":            "label: string -> string",
	"testing.connect":       "channel_id: string, connection?: table -> string",
	"testing.disconnect":    "channel_id: string, connection_id: string",
	"testing.eq":            "got: any, want: any, message?: string",
	"testing.ne":            "got: any, other: any, message?: string",
	"testing.truthy":        "value: any, message?: string",
	"testing.falsy":         "value: any, message?: string",
	"testing.error_matches": "fn_or_err: function|any, pattern: string, message?: string",
}

// classes are the option, result and error types, per module: "Name" and
// its fields, each "name: type  doc".
var classes = map[string][]class{
	"sora": {
		{"sora.ListOpts", "Options of sora.list.", []string{"fields?: string[]  the fields of each connection to keep (all when absent)"}},
		{"sora.WriteOpts", "Options of the writes.", []string{"push?: boolean  push the change to the connection's client"}},
		{"sora.UpdateAllOpts", "Options of sora.update_all.", []string{"push?: boolean  push each change", "concurrency?: integer  writes in flight (default --concurrency, 16)"}},
		{"sora.BatchOpts", "Options of sora.batch.", []string{"concurrency?: integer  requests in flight"}},
		{"sora.Connection", "A connection of sora.list.", []string{"connection_id: string", "client_id: string", "bundle_id: string", "metadata: table"}},
		{"sora.BatchRequest", "A request of sora.batch.", []string{"action: string  list, get, put, delete, put_item, delete_item or call", "channel_id?: string", "connection_id?: string", "key?: string", "value?: any", "metadata?: table", "push?: boolean", "target?: string  call: the target", "params?: table  call: its parameters"}},
		{"sora.BatchResult", "A result of sora.batch.", []string{"ok: boolean", "value?: any", "err?: sora.Error"}},
		{"sora.BatchSummary", "The summary of sora.batch.", []string{"requests: integer", "ok: integer", "failed: integer", "gone: integer  writes to connections no longer in the channel"}},
		{"sora.UpdateAllSummary", "The summary of sora.update_all.", []string{"connections: integer", "changed: integer", "unchanged: integer", "writes: integer", "failed: integer", "gone: integer", "not_reached: integer", "errors: sora.Error[]", "written: string[]", "not_written: string[]", "gone_ids: string[]", "not_reached_ids: string[]"}},
		{"sora.Error", "An operational failure: the second result of a failed call.", []string{
			"op: string  the function, e.g. \"sora.get\"",
			"status: integer  HTTP status, 0 when there was no reply",
			"type: string  Sora's error_type, or transport, timeout, cancelled, http_error, decode, dry_run, redirect",
			"message: string  what went wrong",
			"target: string  the full x-sora-target",
			"key?: string  update and update_all: the key whose write failed",
			"body?: table|string  the error reply as Sora sent it"}},
	},
	"json": {
		{"json.EncodeOpts", "Options of json.encode.", []string{"indent?: string|integer  indent the output"}},
		{"json.Null", "The JSON null value (json.null).", nil},
		{"json.Number", "A JSON number no Lua number holds exactly, kept as its text: tostring, .., == and < with other json.Numbers; no arithmetic.", nil},
	},
	"http": {
		{"http.Opts", "Options of a request.", []string{"headers?: table<string, string>", "timeout?: number  seconds per attempt (default 10)", "attempts?: integer  1 to 10; 1 disables retries"}},
		{"http.RequestOpts: http.Opts", "Options of http.request.", []string{"body?: string"}},
		{"http.Response", "A 2xx reply.", []string{"status: integer", "headers: table<string, string>  lower-case names", "body: string"}},
		{"http.Error", "A failed request.", []string{"op: string", "type: string  http_error, transport, timeout, cancelled, too_large or redirect", "status: integer  0 when there was no reply", "message: string", "url: string  with the query redacted", "body: string  the reply of an http_error"}},
	},
	"testing": {
		{"testing.RunOpts", "Options of t.run.", []string{"now?: number  Unix seconds: the clock of this run", "dry_run?: boolean", "timeout?: number  seconds", "concurrency?: integer", "event?: table  the run's global event", "allow_http?: string[]  hosts the http module may reach"}},
		{"testing.RunError", "A failed t.run.", []string{"kind: string  syntax, runtime, timeout or cancelled", "message: string", "script: string", "line: integer", "traceback: string"}},
	},
}

// class is one ---@class.
type class struct {
	name, doc string
	fields    []string
}

// globals are the globals soracron adds to Lua's, with their types.
var globals = []struct{ name, typ, doc string }{
	{"args", "table<string, any>", "The script's arguments: --arg KEY=VALUE (strings), --args-json and a job's args (JSON types). Never nil."},
	{"event", "table?", "In a run started by Sora's event webhook, the event (event.type, event.channel_id, event.connection_id, event.metadata, ...); nil otherwise. Read-only."},
}
