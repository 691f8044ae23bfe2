// Package ide serves the GraphQL IDE: GraphiQL, with a fetcher that sends
// queries and mutations over POST and subscriptions over graphql-sse, from
// files embedded in the binary, so that it works without internet.
//
// assets/vendor holds the third-party browser builds, copied from pinned npm
// packages by `make ide` (scripts/ide-assets.sh) and listed with their
// SHA-256 in assets/vendor/SHA256SUMS; assets/index.html, ide.js and ide.css
// are the messenger's own. The page is served at / and every other file at
// /ide/<hash>/<name>, where <hash> is the start of the file's SHA-256: those
// URLs change with the content, so browsers may keep them for a year.
package ide

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed assets
var embedded embed.FS

// AssetPrefix is the path under which the IDE's files are served.
const AssetPrefix = "/ide/"

// contentSecurityPolicy lets the page load and connect to its own origin
// only: a browser refuses anything else the page or a bundle might ask for.
// GraphiQL sets inline styles; its fonts and icons are data: URLs.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// contentTypes are the types of the files the IDE serves, by extension.
var contentTypes = map[string]string{
	".css":  "text/css; charset=utf-8",
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
}

// file is one file served, with its versioned URL.
type file struct {
	body        []byte
	contentType string
	hash        string // hex SHA-256
	url         string // AssetPrefix + hash[:16] + "/" + name
}

// integrity is the file's Subresource Integrity value.
func (f file) integrity() string {
	sum, _ := hex.DecodeString(f.hash)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum)
}

// IDE is the IDE's page and files for one GraphQL endpoint.
type IDE struct {
	page  file
	files map[string]file // by name under assets/, such as "vendor/graphiql.min.js"
}

// New returns the IDE for the GraphQL endpoint at the path endpoint.
func New(endpoint string) (*IDE, error) {
	ide := &IDE{files: map[string]file{}}
	err := fs.WalkDir(embedded, "assets", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		contentType, ok := contentTypes[path.Ext(name)]
		if !ok || name == "assets/index.html" {
			return nil // SHA256SUMS, SOURCES; the page is rendered below
		}
		body, err := embedded.ReadFile(name)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(name, "assets/")
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])
		ide.files[rel] = file{body: body, contentType: contentType, hash: hash, url: AssetPrefix + hash[:16] + "/" + rel}
		return nil
	})
	if err != nil {
		return nil, err
	}
	lookup := func(name string) (file, error) {
		f, ok := ide.files[name]
		if !ok {
			return file{}, fmt.Errorf("ide: index.html names %s, which is not embedded", name)
		}
		return f, nil
	}
	page, err := template.New("index.html").Funcs(template.FuncMap{
		"asset": func(name string) (string, error) {
			f, err := lookup(name)
			return f.url, err
		},
		"integrity": func(name string) (string, error) {
			f, err := lookup(name)
			return f.integrity(), err
		},
	}).ParseFS(embedded, "assets/index.html")
	if err != nil {
		return nil, err
	}
	var html bytes.Buffer
	if err := page.Execute(&html, struct{ Endpoint string }{endpoint}); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(html.Bytes())
	ide.page = file{body: html.Bytes(), contentType: contentTypes[".html"], hash: hex.EncodeToString(sum[:])}
	return ide, nil
}

// Register serves the IDE for the GraphQL endpoint at the path endpoint on
// mux: the page at / and its files under AssetPrefix.
func Register(mux *http.ServeMux, endpoint string) {
	ide, err := New(endpoint)
	if err != nil {
		panic(err) // the embedded files are checked by the package's tests
	}
	mux.HandleFunc("GET /{$}", ide.ServePage)
	mux.HandleFunc("GET "+AssetPrefix+"{hash}/{name...}", ide.ServeAsset)
}

// ServePage serves the page: revalidated on every visit (it is small, and
// names the current versions of the files), under a policy that keeps it
// on its own origin.
func (ide *IDE) ServePage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	serve(w, r, ide.page)
}

// ServeAsset serves one file at its versioned URL, cacheable for a year; a
// URL whose hash is not the file's (a page from an older binary) is 404, so
// that no cache keeps the wrong content under it.
func (ide *IDE) ServeAsset(w http.ResponseWriter, r *http.Request) {
	f, ok := ide.files[r.PathValue("name")]
	if !ok || r.PathValue("hash") != f.hash[:16] {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	serve(w, r, f)
}

// serve writes f with its type and an ETag (so that revalidation is a 304).
func serve(w http.ResponseWriter, r *http.Request, f file) {
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("ETag", `"`+f.hash[:32]+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}
