// Package http is the Lua module "http": HTTP requests to the hosts a job
// allows, for scripts that take data from, or report to, another service.
//
//	local http = require("http")
//	local resp, err = http.get("https://crm.example.com/api/users", {headers = {authorization = "Bearer " .. args.token}})
//	if not resp then error(err) end
//	print(resp.status, resp.headers["content-type"], #resp.body)
//	http.post(url, json.encode(t), {headers = {["content-type"] = "application/json"}, timeout = 5})
//	http.request("PUT", url, {body = "...", headers = {...}})
//
// The module is off by default: every request is refused unless its host is
// allowed, in jobs.yaml (http: {allow: [crm.example.com]}, per job or in
// the defaults) or with --allow-http HOST on soracron run. An allowed name is
// a host ("crm.example.com", any port), a host and port
// ("127.0.0.1:8080"), or "*.example.com" (every subdomain). A request to a
// host not allowed raises an error naming the setting; a redirect to one is
// not followed and fails.
//
// A response has status, headers (lower-case names; repeated headers joined
// with ", ") and body. A reply outside 2xx, no reply, a timeout or a body
// over the cap return nil and an error table {op, type, status, message,
// url, body} whose type is "http_error" (with status and the body),
// "transport", "timeout", "cancelled", "too_large" or "redirect"; its
// tostring is readable. Requests follow the run's context (a timeout or
// cancellation of the run ends them), each attempt is bounded by opts.timeout
// (seconds, DefaultTimeout by default), bodies are capped, and GET, HEAD,
// PUT, DELETE and OPTIONS are retried as the Sora client retries (transport
// errors, 429, 502, 503, 504; Retry-After honoured). Header values of the
// request (8 bytes or longer, and the token of "Bearer TOKEN") and the
// URL's query and password are redacted from error messages.
package http
