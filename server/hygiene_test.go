package main

// End-to-end tests of HTTP hygiene and production mode against the real
// binary: bounded request bodies and headers, short errors that never echo
// what was sent, headers on every response, and a production mode that
// reveals nothing of the schema.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawPOST posts body to /graphql as JSON and returns the status and body.
func rawPOST(t *testing.T, p *serverProcess, body []byte) (int, string) {
	t.Helper()
	res, err := http.Post(p.URL+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("no nosniff header on a %d response", res.StatusCode)
	}
	return res.StatusCode, string(raw)
}

func TestHTTPHygiene(t *testing.T) {
	p := startServer(t, "MESSENGER_BODY_READ_TIMEOUT=1s")

	t.Run("OversizedBody", func(t *testing.T) {
		body := []byte(`{"query": "{ me { id } }", "variables": {"x": "` + strings.Repeat("x", 2<<20) + `"}}`)
		status, got := rawPOST(t, p, body)
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(got, "PAYLOAD_TOO_LARGE") || len(got) > 300 {
			t.Fatalf("status %d, %d bytes: %.300s", status, len(got), got)
		}
	})
	t.Run("MalformedBodyIsNotEchoed", func(t *testing.T) {
		secret := "do-not-echo-" + strings.Repeat("s", 100)
		for _, body := range []string{
			`{"query": 5, "password": "` + secret + `"}`,
			`{"query": "{ me { id } }", "x": "` + secret + `"`,
			`not json at all ` + secret,
			`{"query": "{ me { id } }"} {"again": "` + secret + `"}`,
		} {
			status, got := rawPOST(t, p, []byte(body))
			if status != http.StatusBadRequest || strings.Contains(got, secret) || len(got) > 300 || !strings.Contains(got, `"BAD_REQUEST"`) {
				t.Errorf("body %.40q: status %d, %d bytes: %.300s", body, status, len(got), got)
			}
		}
		if strings.Contains(p.Logs(), "do-not-echo") {
			t.Error("a malformed body reached the log")
		}
	})
	t.Run("HostileDocumentBoundedAnswer", func(t *testing.T) {
		// A document of 20,000 unknown directives used to get an error each.
		query := "{ me " + strings.Repeat("@nope ", 20000) + "{ id } }"
		body, _ := json.Marshal(map[string]string{"query": query})
		status, got := rawPOST(t, p, body)
		if status != http.StatusBadRequest || len(got) > 4096 {
			t.Fatalf("status %d, %d bytes", status, len(got))
		}
	})
	t.Run("SlowBody", func(t *testing.T) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(p.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
		// One byte and then nothing: the server answers 408 once its body
		// timeout (1s here) has passed, and closes.
		_ = conn.SetReadDeadline(time.Now().Add(guard))
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer to a stalled body: %v", err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusRequestTimeout {
			t.Fatalf("status %d, want 408", res.StatusCode)
		}
	})
	t.Run("LargeHeader", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, p.URL+"/healthz", nil)
		req.Header.Set("X-Big", strings.Repeat("h", 100<<10))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("status %d, want 431", res.StatusCode)
		}
	})
	t.Run("NoSniffEverywhere", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/metrics", "/", "/nowhere"} {
			res, err := http.Get(p.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET %s: no nosniff header", path)
			}
		}
	})
	t.Run("RefusalsCounted", func(t *testing.T) {
		m := p.metrics(t)
		for _, limit := range []string{"body_size", "body_malformed", "body_read_timeout"} {
			if m[refused(limit)] < 1 {
				t.Errorf("%s: %v refusals counted", limit, m[refused(limit)])
			}
		}
	})
}

func TestProductionModeEndToEnd(t *testing.T) {
	get := func(t *testing.T, p *serverProcess, path string) int {
		res, err := http.Get(p.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	t.Run("Production", func(t *testing.T) {
		p := startServer(t, "MESSENGER_ENV=production")
		if status := get(t, p, "/"); status != http.StatusNotFound {
			t.Fatalf("IDE in production: status %d", status)
		}
		r, err := p.do("", `{ __schema { types { name } } }`, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Errors) == 0 || bytes.Contains(r.Data, []byte("types")) {
			t.Fatalf("introspection answered in production: %s", r.Data)
		}
		r, err = p.do("", `{ searchUsers(quer: "a") { id } }`, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Errors) == 0 || bytes.Contains(r.Errors, []byte("Did you mean")) {
			t.Fatalf("errors in production: %s", r.Errors)
		}
	})
	t.Run("ProductionWithIDE", func(t *testing.T) {
		p := startServer(t, "MESSENGER_ENV=production", "MESSENGER_IDE=on")
		if status := get(t, p, "/"); status != http.StatusOK {
			t.Fatalf("IDE asked for: status %d", status)
		}
	})
}
