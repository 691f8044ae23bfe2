package main

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/messenger/messenger/internal/ratelimit"
)

// withClientAddress returns next with each request's client address in
// its context (ratelimit.Client), as clientAddress finds it.
func withClientAddress(header string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(ratelimit.WithClient(r.Context(), clientAddress(r, header))))
	})
}

// clientAddress is the address of r's client: the last entry of the
// trusted header (the one the proxy in front added) when header is set and
// that entry is an address, else the connection's peer; an IPv6 address
// stands for its /64 network, which a single client typically holds whole.
func clientAddress(r *http.Request, header string) string {
	addr, ok := netip.Addr{}, false
	if header != "" {
		if values := r.Header.Values(header); len(values) > 0 {
			entries := strings.Split(values[len(values)-1], ",")
			addr, ok = parseAddress(entries[len(entries)-1])
		}
	}
	if !ok {
		addr, ok = parseAddress(r.RemoteAddr)
	}
	if !ok {
		return r.RemoteAddr
	}
	if addr = addr.Unmap(); addr.Is6() {
		return netip.PrefixFrom(addr.WithZone(""), 64).Masked().String()
	}
	return addr.String()
}

// parseAddress reads "ip" or "ip:port" ("[ipv6]:port").
func parseAddress(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr(), true
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	return a, err == nil
}
