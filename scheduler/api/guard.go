package api

import (
	"net"
	"net/http"
	"strings"
)

// GuardOptions say which Host names the API answers to.
type GuardOptions struct {
	// Listen is the address the API listens on (HOST:PORT, as given to
	// --listen). A named or IP host is accepted as a Host header; an
	// unspecified one (0.0.0.0, [::]) makes every IP literal acceptable,
	// since the daemon cannot know the addresses it is reached at.
	Listen string
	// AllowedHosts are more names (or IPs) accepted in the Host header,
	// without port (--allowed-host), e.g. the name of a reverse proxy.
	AllowedHosts []string
}

// Guard protects a local HTTP API from web pages, and is what every handler
// of the daemon's listener sits behind (the dashboard may add its own login
// and CSRF token on top of it):
//
//   - Host: a request whose Host header is not an expected name is refused
//     with 403, also on loopback. Expected: "localhost" and *.localhost,
//     loopback IPs, the host of Listen, AllowedHosts (ports ignored). This
//     defeats DNS rebinding, where a hostile page's own name resolves to
//     127.0.0.1 and the browser then reads the API as same-origin.
//   - Cross-origin: a state-changing request (any method but GET, HEAD and
//     OPTIONS) that a browser sent from another origin is refused with 403:
//     Sec-Fetch-Site other than same-origin or none, or, for browsers that
//     do not send it, an Origin whose host is not the Host
//     (net/http.CrossOriginProtection). Requests without these headers
//     (curl, Sora's webhook, scripts) are not browser requests and pass.
//
// GET /healthz is exempt from the Host check: probes may use any name and it
// tells nothing but "ok".
func Guard(next http.Handler, opts GuardOptions) http.Handler {
	allowed := hostSet(opts)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, "cross-origin "+r.Method+" refused: the API accepts state-changing requests only from its own origin or from non-browser clients")
	}))
	protected := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !(r.Method == http.MethodGet && r.URL.Path == "/healthz") && !allowed.ok(r.Host) {
			writeError(w, http.StatusForbidden, "host "+quoteHost(r.Host)+" not allowed: reach the API by a loopback name, the --listen host or an --allowed-host")
			return
		}
		protected.ServeHTTP(w, r)
	})
}

// hosts is the set of acceptable Host names.
type hosts struct {
	names map[string]bool // lower-case names and canonical IPs
	anyIP bool            // listening on an unspecified address
}

func hostSet(opts GuardOptions) hosts {
	h := hosts{names: map[string]bool{"localhost": true}}
	add := func(s string) {
		s = strings.ToLower(strings.Trim(strings.TrimSpace(s), "[]"))
		if s == "" {
			return
		}
		if ip := net.ParseIP(s); ip != nil {
			if ip.IsUnspecified() {
				h.anyIP = true
				return
			}
			s = ip.String()
		}
		h.names[s] = true
	}
	if opts.Listen != "" {
		host, _, err := net.SplitHostPort(opts.Listen)
		if err != nil {
			host = opts.Listen
		}
		if host == "" {
			h.anyIP = true
		}
		add(host)
	}
	for _, a := range opts.AllowedHosts {
		add(a)
	}
	return h
}

// ok reports whether the Host header hostport is acceptable.
func (h hosts) ok(hostport string) bool {
	host := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		host = hh
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return false
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback() || h.anyIP || h.names[ip.String()]
	}
	return h.names[host] || strings.HasSuffix(host, ".localhost")
}

// quoteHost quotes a Host header for an error message, cut to a sane length.
func quoteHost(s string) string {
	const max = 100
	if len(s) > max {
		s = s[:max] + "..."
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}
