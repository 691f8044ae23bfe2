package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"github.com/messenger/messenger/graph/transport"
	"github.com/messenger/messenger/internal/auth"
)

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// FuzzHashTicket: the stored form of any ticket is 64 lowercase hex digits,
// the same every time, and two tickets that differ never share it.
func FuzzHashTicket(f *testing.F) {
	ticket, _ := auth.NewTicket()
	f.Add(ticket, ticket+"x")
	f.Add("", " ")
	f.Add("a", "A")
	f.Add("\x00", "")
	f.Add("ticket", "ticket\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		ha := auth.HashTicket(a)
		if !hexSHA256.MatchString(ha) || auth.HashTicket(a) != ha {
			t.Fatalf("HashTicket(%q) = %q, not a stable hex SHA-256", a, ha)
		}
		if hb := auth.HashTicket(b); (a == b) != (ha == hb) {
			t.Fatalf("HashTicket(%q) = %q, HashTicket(%q) = %q", a, ha, b, hb)
		}
	})
}

// FuzzTicketMiddleware sends arbitrary methods, query strings, Accept headers
// and lookup outcomes through TicketMiddleware as the server wires it (only
// the GET event stream takes tickets). A request is authenticated only by a
// lookup hit for exactly its ?ticket= value; one without a ticket passes
// unchanged and is not looked up; one with a ticket elsewhere, unknown or
// unchecked is refused and never reaches the API.
func FuzzTicketMiddleware(f *testing.F) {
	ticket, hash := auth.NewTicket()
	const user = "0190a9e4-7b9c-7cc2-9d2e-4f1a2b3c4d5e"
	stored := map[string]string{hash: user} // by hash, as in stream_tickets

	stream := "text/event-stream"
	f.Add("GET", "ticket="+ticket, stream, false)
	f.Add("GET", "ticket="+ticket, "", false)
	f.Add("POST", "ticket="+ticket, stream, false)
	f.Add("GET", "ticket="+ticket, stream, true)
	f.Add("GET", "ticket=nope", stream, false)
	f.Add("GET", "ticket=", stream, false)
	f.Add("GET", "ticket=&ticket="+ticket, stream, false)
	f.Add("GET", "ticket="+ticket+"&ticket=nope", stream, false)
	f.Add("GET", "TICKET="+ticket, stream, false)
	f.Add("GET", "ticket="+url.QueryEscape(ticket+" "), stream, false)
	f.Add("GET", "ticket=%zz&query=subscription{messageCreated{id}}", stream, false)
	f.Add("GET", "a=1;ticket="+ticket, stream, false)
	f.Add("get", "ticket="+ticket, "TEXT/EVENT-STREAM", false)
	f.Add("HEAD", "ticket="+ticket, stream, false)
	f.Add("", "", "", false)
	f.Fuzz(func(t *testing.T, method, rawQuery, accept string, lookupFails bool) {
		var looked []string
		lookup := func(_ context.Context, ticket string) (string, string, error) {
			looked = append(looked, ticket)
			if lookupFails {
				return "", "", errors.New("database down")
			}
			user := stored[auth.HashTicket(ticket)]
			if user == "" {
				return "", "", nil
			}
			return user, "session-of-" + user, nil
		}
		reached, seen := false, ""
		next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached, seen = true, auth.UserID(r.Context())
		})
		h := auth.TicketMiddleware(lookup, transport.IsEventStreamGET, next)
		r := &http.Request{
			Method: method,
			URL:    &url.URL{Path: "/graphql", RawQuery: rawQuery},
			Header: http.Header{"Accept": {accept}},
		}
		r = r.WithContext(context.Background())
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)

		given := r.URL.Query().Get("ticket")
		switch {
		case given == "":
			if !reached || seen != "" || len(looked) != 0 {
				t.Fatalf("no ticket: reached %v as %q after %d lookups", reached, seen, len(looked))
			}
		case !transport.IsEventStreamGET(r):
			if reached || len(looked) != 0 || w.Code != http.StatusUnauthorized {
				t.Fatalf("ticket off the GET stream (%q): reached %v, %d lookups, status %d", method, reached, len(looked), w.Code)
			}
		default:
			if len(looked) != 1 || looked[0] != given {
				t.Fatalf("ticket %q: looked up %q", given, looked)
			}
			hit := !lookupFails && stored[auth.HashTicket(given)] != ""
			if hit != reached || (reached && seen != user) {
				t.Fatalf("ticket %q (lookup fails: %v): reached %v as %q", given, lookupFails, reached, seen)
			}
			if !reached && w.Code != map[bool]int{true: http.StatusServiceUnavailable, false: http.StatusUnauthorized}[lookupFails] {
				t.Fatalf("ticket %q (lookup fails: %v): status %d", given, lookupFails, w.Code)
			}
		}
		if reached && seen != "" && (given == "" || auth.HashTicket(given) != hash) {
			t.Fatalf("authenticated as %q without the ticket (given %q)", seen, given)
		}
	})
}
