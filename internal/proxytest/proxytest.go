// Package proxytest is a TCP proxy for tests: it forwards connections to an
// upstream address, and a test can cut them and refuse new ones to simulate
// a network outage between the messenger and a service it uses.
package proxytest

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// dialTimeout bounds the connection to the upstream.
const dialTimeout = 10 * time.Second

// Proxy forwards TCP connections from a local port to an upstream address.
type Proxy struct {
	ln       net.Listener
	upstream string
	wg       sync.WaitGroup

	mu     sync.Mutex
	paused bool // new connections are closed at once
	closed bool
	conns  map[net.Conn]struct{}
}

// Start listens on a free local port and forwards to upstream until the test ends.
func Start(t testing.TB, upstream string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, upstream: upstream, conns: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// Addr returns the proxy's local host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetPaused makes the proxy close new connections at once (true) or forward
// them again (false).
func (p *Proxy) SetPaused(paused bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused = paused
}

// Cut closes every forwarded connection.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.forward(client)
	}
}

// forward connects client to upstream and copies both ways, unless paused.
func (p *Proxy) forward(client net.Conn) {
	if p.refusing() {
		_ = client.Close()
		return
	}
	server, err := net.DialTimeout("tcp", p.upstream, dialTimeout)
	if err != nil {
		_ = client.Close()
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused || p.closed {
		_ = client.Close()
		_ = server.Close()
		return
	}
	p.conns[client] = struct{}{}
	p.conns[server] = struct{}{}
	p.wg.Add(2)
	go p.pipe(client, server)
	go p.pipe(server, client)
}

func (p *Proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
}

func (p *Proxy) refusing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused || p.closed
}

// close stops the proxy and waits for its goroutines.
func (p *Proxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.Cut()
	p.wg.Wait()
}
