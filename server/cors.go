package main

import (
	"net/http"
	"slices"
	"strings"

	"github.com/messenger/messenger/graph/transport"
)

// corsMaxAge is how long, in seconds, a browser may reuse a preflight's answer.
const corsMaxAge = "600"

// cors lets the front ends of the allowed origins (scheme://host[:port])
// call the API from a browser: preflights are answered, Authorization and
// Content-Type may be sent, and responses carry Access-Control-Allow-Origin
// for them. A request from any other origin (the server's own excepted) is
// refused with 403 before it runs, so that no stream is held open for a page
// that could not read it; requests without an Origin (other programs) pass.
func cors(allowed []string, refused func(limit string), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || sameOrigin(r, origin) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		if !slices.Contains(allowed, origin) {
			refused("cors_origin")
			transport.WriteError(w, http.StatusForbidden, "FORBIDDEN", "this origin may not call the API")
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, Last-Event-ID")
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", "Retry-After")
		next.ServeHTTP(w, r)
	})
}

// sameOrigin reports whether origin is the server's own, as the request
// reached it (the IDE at / calls the API from there).
func sameOrigin(r *http.Request, origin string) bool {
	scheme, host, ok := strings.Cut(origin, "://")
	return ok && (scheme == "http" || scheme == "https") && strings.EqualFold(host, r.Host)
}

// splitOrigins parses the MESSENGER_CORS_ORIGINS setting: origins separated
// by commas, without a trailing slash.
func splitOrigins(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSuffix(strings.TrimSpace(o), "/"); o != "" {
			out = append(out, o)
		}
	}
	return out
}
