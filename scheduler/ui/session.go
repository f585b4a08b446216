package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// Session cookie settings.
const (
	cookieName  = "soracron_session"
	sessionTTL  = 12 * time.Hour
	maxSessions = 10000
)

// session is a browser's session.
type session struct {
	csrf    string
	expires time.Time
}

// sessions are the live sessions, by the digest of their cookie value.
type sessions struct {
	mu sync.Mutex
	m  map[[32]byte]*session
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session and sets its cookie on w.
func (ss *sessions) create(w http.ResponseWriter, r *http.Request) *session {
	id := randomToken()
	s := &session{csrf: randomToken(), expires: time.Now().Add(sessionTTL)}
	ss.mu.Lock()
	if ss.m == nil {
		ss.m = map[[32]byte]*session{}
	}
	now := time.Now()
	if len(ss.m) >= maxSessions {
		for k, v := range ss.m {
			if now.After(v.expires) {
				delete(ss.m, k)
			}
		}
	}
	if len(ss.m) < maxSessions {
		ss.m[sha256.Sum256([]byte(id))] = s
	}
	ss.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: "/ui/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int(sessionTTL.Seconds())})
	return s
}

// get returns the session of r, nil if none or expired.
func (ss *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil
	}
	key := sha256.Sum256([]byte(c.Value))
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.m[key]
	if s == nil {
		return nil
	}
	if time.Now().After(s.expires) {
		delete(ss.m, key)
		return nil
	}
	return s
}

// validCSRF reports whether r carries s's CSRF token.
func validCSRF(s *session, r *http.Request) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1
}

// validToken compares a submitted API token in constant time.
func validToken(got, want string) bool {
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}
