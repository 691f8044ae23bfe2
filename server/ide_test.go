package main

// The GraphQL IDE at / as the real binary serves it (internal/ide holds its
// own handler tests), and in headless Chromium (web/ide/browser-test).

import (
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// ideAssets GETs / from p and returns the IDE files the page names, having
// checked that it names nothing off the server's origin.
func ideAssets(t *testing.T, p *serverProcess) []string {
	t.Helper()
	res, err := http.Get(p.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("GET /: Content-Security-Policy %q", res.Header.Get("Content-Security-Policy"))
	}
	if m := regexp.MustCompile(`(?i)(https?:|wss?:|//[a-z0-9])`).Find(page); m != nil {
		t.Errorf("the page names another origin: %q", m)
	}
	var assets []string
	for _, m := range regexp.MustCompile(`\b(?:src|href)="([^"]*)"`).FindAllStringSubmatch(string(page), -1) {
		switch u := m[1]; {
		case u == "data:,":
		case strings.HasPrefix(u, "/ide/"):
			assets = append(assets, u)
		default:
			t.Errorf("the page loads %q", u)
		}
	}
	if len(assets) < 7 { // five vendor files, ide.js, ide.css
		t.Fatalf("the page loads %d files: %v", len(assets), assets)
	}
	return assets
}

func TestIDE(t *testing.T) {
	p := startServer(t)
	assets := ideAssets(t, p)
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
	for _, u := range assets {
		res, err := http.Get(p.URL + u)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || n == 0 {
			t.Errorf("GET %s: %d, %d bytes", u, res.StatusCode, n)
		}
		for header, want := range map[string]string{
			"Content-Type":           types[filepath.Ext(u)],
			"Cache-Control":          "public, max-age=31536000, immutable",
			"X-Content-Type-Options": "nosniff",
		} {
			if got := res.Header.Get(header); got != want {
				t.Errorf("GET %s: %s %q, want %q", u, header, got, want)
			}
		}
	}

	t.Run("Production", func(t *testing.T) {
		p := startServer(t, "MESSENGER_ENV=production")
		for _, u := range []string{"/", assets[0]} {
			res, err := http.Get(p.URL + u)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s in production: %d, want 404", u, res.StatusCode)
			}
		}
	})
}

// TestIDEInBrowser runs web/ide/browser-test/ide.test.mjs (puppeteer-core
// driving headless Chromium) against the real server. It needs node, a
// Chromium (MESSENGER_TEST_CHROMIUM, default /usr/bin/chromium) and `npm ci`
// in that folder; without them it is skipped, except when CI is set (.ci/run
// installs them).
func TestIDEInBrowser(t *testing.T) {
	dir, err := filepath.Abs("../web/ide/browser-test")
	if err != nil {
		t.Fatal(err)
	}
	// Pings every second, so that the stream the IDE reads carries them.
	p := startServer(t, "MESSENGER_KEEPALIVE=1s")
	browserTest(t, dir, "ide.test.mjs", "IDE_URL", p.URL, 2*time.Minute, "puppeteer-core")
}
