package main

// The web app at /app/ as the real binary serves it, and in headless
// Chromium (web/app/test/app.test.mjs).

import (
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestWebApp(t *testing.T) {
	p := startServer(t, "MESSENGER_ENV=production") // served in production too
	res, err := http.Get(p.URL + "/app/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /app/: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("GET /app/: Content-Security-Policy %q", csp)
	}
	if m := regexp.MustCompile(`(?i)(https?:|wss?:|//[a-z0-9])`).Find(page); m != nil {
		t.Errorf("the page names another origin: %q", m)
	}
	var assets []string
	for _, m := range regexp.MustCompile(`\b(?:src|href)="([^"]*)"`).FindAllStringSubmatch(string(page), -1) {
		switch u := m[1]; {
		case u == "data:,":
		case strings.HasPrefix(u, "/app/assets/"):
			assets = append(assets, u)
		default:
			t.Errorf("the page loads %q", u)
		}
	}
	if len(assets) != 2 { // app.js, app.css
		t.Fatalf("the page loads %d files: %v", len(assets), assets)
	}
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
		if got := res.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control %q", u, got)
		}
	}
	// /app redirects to /app/; a stale hash is 404.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if res, err := client.Get(p.URL + "/app"); err != nil {
		t.Fatal(err)
	} else if res.Body.Close(); res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/app/" {
		t.Errorf("GET /app: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, err := http.Get(p.URL + "/app/assets/0123456789abcdef/app.js"); err != nil {
		t.Fatal(err)
	} else if res.Body.Close(); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET a stale asset URL: %d, want 404", res.StatusCode)
	}
}

// TestWebAppInBrowser runs web/app/test/app.test.mjs (puppeteer-core
// driving headless Chromium: log in and sign up, two users chat, a network
// cut and resume, unread counts and read ticks across tabs, typing, live
// edits and deletes from the messages' menus by keyboard, mouse and touch,
// the keyboard shortcuts, date separators and grouping, the new-chat dialog,
// a group's members and title, a message sent offline, the dark theme,
// axe-core at both widths in both themes) against the real server. It needs node, a Chromium (MESSENGER_TEST_CHROMIUM, default
// /usr/bin/chromium) and `npm ci` in web/app; without them it is skipped,
// except when CI is set (.ci/run installs them). Its output has the
// screenshots' folder and the measures (MEASURE lines).
func TestWebAppInBrowser(t *testing.T) {
	dir, err := filepath.Abs("../web/app")
	if err != nil {
		t.Fatal(err)
	}
	p := startServer(t, "MESSENGER_KEEPALIVE=1s")
	browserTest(t, dir, "test/app.test.mjs", "APP_URL", p.URL, 4*time.Minute, "puppeteer-core", "axe-core")
}
