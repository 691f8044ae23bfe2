package ide

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/messenger/messenger/internal/static"
)

// get fetches path from the IDE's handler over real HTTP.
func get(t *testing.T, srv *httptest.Server, path string) (*http.Response, []byte) {
	t.Helper()
	res, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func newServer(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	Register(mux, "/graphql")
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// attrURL matches the attributes of a page that name something to load or
// follow.
var attrURL = regexp.MustCompile(`(?i)\b(src|href|action|formaction|poster|data|srcset|content)\s*=\s*"([^"]*)"`)

// pageURLs returns every URL the page names, and fails on any that is not
// a path on the page's own origin (or an empty data: URL).
func pageURLs(t *testing.T, page []byte) []string {
	t.Helper()
	if m := regexp.MustCompile(`(?i)(https?:|wss?:|//[a-z0-9])`).Find(page); m != nil {
		t.Errorf("the page names another origin: %q", m)
	}
	var urls []string
	for _, m := range attrURL.FindAllSubmatch(page, -1) {
		attr, value := strings.ToLower(string(m[1])), html.UnescapeString(string(m[2]))
		if attr == "content" && !strings.HasPrefix(value, "/") {
			continue // a <meta> value that is not a URL, such as the viewport
		}
		switch {
		case value == "data:,": // the empty icon, so that no /favicon.ico is asked for
		case strings.HasPrefix(value, "/") && !strings.HasPrefix(value, "//") && !strings.Contains(value, `\`):
			urls = append(urls, value)
		default:
			t.Errorf("%s=%q is not a same-origin path", attr, value)
		}
	}
	return urls
}

func TestPageAndAssets(t *testing.T) {
	srv := newServer(t)
	res, page := get(t, srv, "/")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", res.StatusCode)
	}
	for header, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-cache",
		"Content-Security-Policy": contentSecurityPolicy,
	} {
		if got := res.Header.Get(header); got != want {
			t.Errorf("GET /: %s %q, want %q", header, got, want)
		}
	}
	if !strings.Contains(contentSecurityPolicy, "default-src 'none'") || !strings.Contains(contentSecurityPolicy, "connect-src 'self'") {
		t.Errorf("the policy lets the page reach other origins: %s", contentSecurityPolicy)
	}

	urls := pageURLs(t, page)
	integrities := map[string]bool{}
	for _, m := range regexp.MustCompile(`integrity="([^"]*)"`).FindAllSubmatch(page, -1) {
		integrities[html.UnescapeString(string(m[1]))] = true
	}
	var assets []string
	for _, u := range urls {
		if strings.HasPrefix(u, AssetPrefix) {
			assets = append(assets, u)
		}
	}
	// Every file served is on the page: the five vendor files and ours.
	if len(assets) != len(mustNew(t).files.Files) {
		t.Errorf("the page loads %d files, %d are embedded: %v", len(assets), len(mustNew(t).files.Files), assets)
	}
	for _, u := range assets {
		res, body := get(t, srv, u)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", u, res.StatusCode)
			continue
		}
		if got, want := res.Header.Get("Content-Type"), static.ContentTypes[path.Ext(u)]; got != want || want == "" {
			t.Errorf("GET %s: Content-Type %q, want %q", u, got, want)
		}
		if got := res.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control %q", u, got)
		}
		sum := sha256.Sum256(body)
		if hash := hex.EncodeToString(sum[:]); !strings.HasPrefix(u, AssetPrefix+hash[:16]+"/") {
			t.Errorf("GET %s: the URL does not carry the content's hash %s", u, hash)
		}
		if !integrities[(static.File{Hash: hex.EncodeToString(sum[:])}).Integrity()] {
			t.Errorf("%s: no matching integrity attribute on the page", u)
		}
	}

	// Revalidation answers 304; a stale or unknown URL is 404.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+assets[0], nil)
	req.Header.Set("If-None-Match", mustGetETag(t, srv, assets[0]))
	if res, err := srv.Client().Do(req); err != nil {
		t.Fatal(err)
	} else if res.Body.Close(); res.StatusCode != http.StatusNotModified {
		t.Errorf("revalidating %s: %d, want 304", assets[0], res.StatusCode)
	}
	name := assets[0][strings.Index(assets[0][len(AssetPrefix):], "/")+len(AssetPrefix)+1:]
	for _, u := range []string{
		AssetPrefix + "0123456789abcdef/" + name,
		AssetPrefix + "0123456789abcdef/nothing.js",
		AssetPrefix + "vendor/SHA256SUMS",
		AssetPrefix + strings.Repeat("0", 16) + "/index.html",
		"/index.html",
	} {
		if res, _ := get(t, srv, u); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", u, res.StatusCode)
		}
	}
}

func mustNew(t *testing.T) *IDE {
	t.Helper()
	ide, err := New("/graphql")
	if err != nil {
		t.Fatal(err)
	}
	return ide
}

func mustGetETag(t *testing.T, srv *httptest.Server, u string) string {
	t.Helper()
	res, _ := get(t, srv, u)
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatalf("GET %s: no ETag", u)
	}
	return etag
}

func TestEndpoint(t *testing.T) {
	ide, err := New(`/api/"graphql"`)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(ide.page.Body, []byte(`<meta name="graphql-endpoint" content="/api/&#34;graphql&#34;">`)) {
		t.Errorf("endpoint not on the page (escaped):\n%s", ide.page.Body)
	}
}

// TestVendorChecksums is `make check-ide` as a test: the vendor files are
// exactly those SHA256SUMS lists, with those contents.
func TestVendorChecksums(t *testing.T) {
	sums, err := embedded.ReadFile("assets/vendor/SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		want, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS: malformed line %q", sc.Text())
		}
		body, err := embedded.ReadFile("assets/vendor/" + name)
		if err != nil {
			t.Errorf("SHA256SUMS lists %s: %v", name, err)
			continue
		}
		if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != want {
			t.Errorf("%s does not match SHA256SUMS: run make ide", name)
		}
		listed = append(listed, name)
	}
	entries, err := fs.ReadDir(embedded, "assets/vendor")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if name := e.Name(); name != "SHA256SUMS" && name != "SOURCES" && !slices.Contains(listed, name) {
			t.Errorf("assets/vendor/%s is not in SHA256SUMS", name)
		}
	}
	if len(listed) != 5 {
		t.Errorf("SHA256SUMS lists %d files, want 5: %v", len(listed), listed)
	}
}

// TestNoExternalLoads looks for what would make a browser reach another
// origin without being asked: in the CSS, any url() that is not a data: URL
// or an @import; in the scripts, the hosts of CDNs and web fonts. (The
// page's policy blocks them anyway; the browser test watches the requests.)
func TestNoExternalLoads(t *testing.T) {
	cssURL := regexp.MustCompile(`(?i)url\(\s*['"]?([^'")\s]*)`)
	cdns := []string{"googleapis.", "gstatic.", "unpkg.", "jsdelivr.", "cdnjs.", "esm.sh", "skypack.", "jspm.", "cloudflare.", "typekit.", "fontawesome."}
	for name, f := range mustNew(t).files.Files {
		switch path.Ext(name) {
		case ".css":
			for _, m := range cssURL.FindAllSubmatch(f.Body, -1) {
				if !bytes.HasPrefix(bytes.ToLower(m[1]), []byte("data:")) {
					t.Errorf("%s loads %q", name, m[1])
				}
			}
			if bytes.Contains(bytes.ToLower(f.Body), []byte("@import")) {
				t.Errorf("%s has an @import", name)
			}
		case ".js":
			lower := bytes.ToLower(f.Body)
			for _, host := range cdns {
				if bytes.Contains(lower, []byte(host)) {
					t.Errorf("%s names a CDN: %q", name, host)
				}
			}
		}
		if bytes.Contains(f.Body, []byte("sourceMappingURL=")) {
			t.Errorf("%s names a source map we do not serve", name)
		}
	}
}
