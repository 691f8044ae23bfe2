package main

// Stream tickets stay in their lane: they open the GET event stream and
// nothing else, only until they expire; access tokens in URLs authenticate
// nothing; neither reaches the log.

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// requestStatus sends a request and returns its status and body.
func requestStatus(t testing.TB, method, target, accept string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	res, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	// An event stream that was (wrongly) opened would not end: read a bit.
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	return res.StatusCode, string(raw)
}

// TestRealtimeTickets: stream tickets open the GET event stream and nothing
// else, only until they expire; access tokens in URLs authenticate nothing;
// neither reaches the log.
func TestRealtimeTickets(t *testing.T) {
	p := startServer(t, "MESSENGER_TICKET_TTL=2s")
	alice, _ := p.signUp(t, "alice")
	bob, _ := p.signUp(t, "bob")
	ab := p.direct(t, alice, "bob")
	var secrets []string // what must never be logged
	secrets = append(secrets, alice, bob)
	streamURL := func(ticket string, extra ...string) string {
		q := url.Values{"query": {subscription}}
		if ticket != "" {
			q.Set("ticket", ticket)
		}
		for i := 0; i+1 < len(extra); i += 2 {
			q.Set(extra[i], extra[i+1])
		}
		return p.URL + "/graphql?" + q.Encode()
	}
	newTicket := func() (string, time.Time) {
		var out struct {
			CreateStreamTicket struct {
				Ticket    string
				ExpiresAt time.Time
			}
		}
		p.graphql(t, alice, `mutation { createStreamTicket { ticket expiresAt } }`, nil, &out)
		secrets = append(secrets, out.CreateStreamTicket.Ticket)
		return out.CreateStreamTicket.Ticket, out.CreateStreamTicket.ExpiresAt
	}

	// A valid ticket opens the GET stream, which outlives the ticket.
	ticket, expires := newTicket()
	s := p.openGET(t, ticket, subscription, nil, "")
	if s.Status != http.StatusOK {
		t.Fatalf("GET stream with a valid ticket: status %d", s.Status)
	}
	p.waitSubscriptions(t, 1)

	t.Run("OnlyTheGETStream", func(t *testing.T) {
		query := `{"query":"{ me { id } }"}`
		for name, try := range map[string]func() (int, string){
			"POST query": func() (int, string) {
				return requestStatus(t, "POST", p.URL+"/graphql?ticket="+ticket, "", strings.NewReader(query))
			},
			"POST event stream": func() (int, string) {
				return requestStatus(t, "POST", p.URL+"/graphql?ticket="+ticket, "text/event-stream", strings.NewReader(`{"query":"subscription { messageCreated { id } }"}`))
			},
			"GET query": func() (int, string) {
				return requestStatus(t, "GET", p.URL+"/graphql?query=%7Bme%7Bid%7D%7D&ticket="+ticket, "application/json", nil)
			},
			"GET without Accept": func() (int, string) { return requestStatus(t, "GET", streamURL(ticket), "", nil) },
		} {
			if status, body := try(); status != http.StatusUnauthorized {
				t.Errorf("%s with a valid ticket: status %d, want 401 (%.200s)", name, status, body)
			}
		}
	})
	t.Run("Forged", func(t *testing.T) {
		for _, forged := range []string{"forged", ticket[:len(ticket)-1] + "A", strings.Repeat("A", len(ticket))} {
			if forged == ticket {
				continue
			}
			if status, body := requestStatus(t, "GET", streamURL(forged), "text/event-stream", nil); status != http.StatusUnauthorized {
				t.Errorf("forged ticket %q: status %d, want 401 (%.200s)", forged, status, body)
			}
		}
	})
	t.Run("TokenInURL", func(t *testing.T) {
		for _, param := range []string{"access_token", "token"} {
			status, body := requestStatus(t, "GET", streamURL("", param, alice), "text/event-stream", nil)
			if status != http.StatusOK || !strings.Contains(body, `"UNAUTHENTICATED"`) || strings.Contains(body, `"messageCreated":{`) {
				t.Errorf("GET stream with ?%s=: status %d, %.300s; want UNAUTHENTICATED", param, status, body)
			}
			status, body = requestStatus(t, "POST", p.URL+"/graphql?"+param+"="+alice, "", strings.NewReader(`{"query":"{ me { id } }"}`))
			if !strings.Contains(body, `"UNAUTHENTICATED"`) {
				t.Errorf("POST with ?%s=: status %d, %.300s; want UNAUTHENTICATED", param, status, body)
			}
		}
	})
	t.Run("Expired", func(t *testing.T) {
		// Past its expiry (the server's clock is this machine's), the ticket
		// no longer opens a stream; the stream it opened goes on.
		time.Sleep(time.Until(expires) + 100*time.Millisecond)
		if status, body := requestStatus(t, "GET", streamURL(ticket), "text/event-stream", nil); status != http.StatusUnauthorized {
			t.Errorf("expired ticket: status %d, want 401 (%.200s)", status, body)
		}
		m, err := p.send(bob, ab, "after the ticket expired")
		if err != nil {
			t.Fatal(err)
		}
		if got := s.message(t); got.message != m {
			t.Fatalf("the ticket's stream got %+v, want %+v", got.message, m)
		}
	})
	t.Run("Logs", func(t *testing.T) {
		logs := p.Logs()
		for _, secret := range secrets {
			if strings.Contains(logs, secret) {
				t.Fatalf("a ticket or token reached the log:\n%s", logs)
			}
		}
		if !strings.Contains(logs, "status=401") {
			t.Fatalf("no refused request in the access log:\n%s", logs)
		}
	})
}
