package webapp

import (
	"bytes"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestPage: the committed bundle is embedded, the page names each file at
// its hashed URL with its integrity, and nothing from another origin.
func TestPage(t *testing.T) {
	app, err := New("/graphql")
	if err != nil {
		t.Fatal(err)
	}
	if len(app.files.Files) != 2 {
		t.Errorf("dist holds %d files, want app.js and app.css (run make web)", len(app.files.Files))
	}
	for _, name := range []string{"app.js", "app.css"} {
		f, ok := app.files.Files[name]
		if !ok {
			t.Fatalf("dist/%s is not embedded (run make web)", name)
		}
		if !strings.Contains(html.UnescapeString(string(app.page.Body)), `"`+f.URL+`" integrity="`+f.Integrity()+`"`) {
			t.Errorf("the page does not name %s at %s with its integrity:\n%s", name, f.URL, app.page.Body)
		}
		if bytes.Contains(f.Body, []byte("sourceMappingURL=")) {
			t.Errorf("%s names a source map we do not serve", name)
		}
	}
	if m := regexp.MustCompile(`(?i)(https?:|wss?:|//[a-z0-9])`).Find(app.page.Body); m != nil {
		t.Errorf("the page names another origin: %q", m)
	}

	mux := http.NewServeMux()
	Register(mux, "/graphql")
	for path, want := range map[string]int{
		"/app/":                         http.StatusOK,
		app.files.Files["app.js"].URL:   http.StatusOK,
		"/app/assets/0/app.js":          http.StatusNotFound,
		"/app/assets/0123456789abcdef/": http.StatusNotFound,
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
}
