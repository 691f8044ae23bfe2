package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestClientAddress(t *testing.T) {
	for _, c := range []struct {
		remote, header, xff, want string
	}{
		{"203.0.113.7:5000", "", "", "203.0.113.7"},
		{"203.0.113.7:5000", "", "198.51.100.1", "203.0.113.7"}, // no trusted header: ignored
		{"10.0.0.2:5000", "X-Forwarded-For", "198.51.100.1", "198.51.100.1"},
		{"10.0.0.2:5000", "X-Forwarded-For", "6.6.6.6, 198.51.100.1", "198.51.100.1"}, // the proxy's entry, not the client's claim
		{"10.0.0.2:5000", "X-Forwarded-For", "198.51.100.1:4321", "198.51.100.1"},
		{"10.0.0.2:5000", "X-Forwarded-For", "", "10.0.0.2"},        // not through the proxy
		{"10.0.0.2:5000", "X-Forwarded-For", "garbage", "10.0.0.2"}, // unreadable
		{"[2001:db8:1:2:3:4:5:6]:443", "", "", "2001:db8:1:2::/64"},
		{"10.0.0.2:5000", "X-Forwarded-For", "[2001:db8:1:2::9]:80", "2001:db8:1:2::/64"},
		{"[::ffff:203.0.113.7]:5000", "", "", "203.0.113.7"},
	} {
		r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := clientAddress(r, c.header); got != c.want {
			t.Errorf("remote %s, header %q, X-Forwarded-For %q: got %s, want %s", c.remote, c.header, c.xff, got, c.want)
		}
	}
}
