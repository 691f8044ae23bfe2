package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"time"
)

// DefaultTicketTTL is how long a stream ticket is valid unless configured.
const DefaultTicketTTL = 5 * time.Minute

// NewTicket returns a random stream ticket and the hash under which it is stored.
func NewTicket() (ticket, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	ticket = base64.RawURLEncoding.EncodeToString(b)
	return ticket, HashTicket(ticket)
}

// HashTicket returns the stored form of a ticket: hex SHA-256. Tickets are
// random and long, so a fast hash is enough to make a stolen table useless.
func HashTicket(ticket string) string {
	sum := sha256.Sum256([]byte(ticket))
	return hex.EncodeToString(sum[:])
}

// TicketLookup returns the user and the session a live ticket belongs to,
// or "" when the ticket is unknown, expired, or its session has ended.
type TicketLookup func(ctx context.Context, ticket string) (userID, sessionID string, err error)

// TicketMiddleware authenticates the browser's event stream by its ?ticket=
// parameter. A ticket is accepted only on requests that accepts reports true
// for (the GET event stream); anywhere else, and when it is unknown or
// expired, the request is refused with 401. Requests without a ticket pass
// unchanged.
func TicketMiddleware(lookup TicketLookup, accepts func(*http.Request) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ticket := r.URL.Query().Get("ticket")
		if ticket == "" {
			next.ServeHTTP(w, r)
			return
		}
		if !accepts(r) {
			http.Error(w, "stream tickets are accepted only by the GET event stream", http.StatusUnauthorized)
			return
		}
		userID, sessionID, err := lookup(r.Context(), ticket)
		if err != nil {
			http.Error(w, "could not check the stream ticket", http.StatusServiceUnavailable)
			return
		}
		if userID == "" {
			http.Error(w, "invalid or expired stream ticket", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithSession(r.Context(), userID, sessionID)))
	})
}
