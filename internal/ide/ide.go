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
	"embed"
	"net/http"

	"github.com/messenger/messenger/internal/static"
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

// IDE is the IDE's page and files for one GraphQL endpoint.
type IDE struct {
	page  static.File
	files *static.Set // by name under assets/, such as "vendor/graphiql.min.js"
}

// New returns the IDE for the GraphQL endpoint at the path endpoint.
func New(endpoint string) (*IDE, error) {
	files, err := static.Load(embedded, "assets", AssetPrefix, func(name string) bool {
		return name == "index.html" // the page is rendered below
	})
	if err != nil {
		return nil, err
	}
	page, err := files.Page(embedded, "assets/index.html", struct{ Endpoint string }{endpoint})
	if err != nil {
		return nil, err
	}
	return &IDE{page: page, files: files}, nil
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

// ServePage serves the page: revalidated on every visit, under a policy
// that keeps it on its own origin.
func (ide *IDE) ServePage(w http.ResponseWriter, r *http.Request) {
	static.ServePage(w, r, ide.page, contentSecurityPolicy)
}

// ServeAsset serves one file at its versioned URL, cacheable for a year; a
// URL whose hash is not the file's is 404.
func (ide *IDE) ServeAsset(w http.ResponseWriter, r *http.Request) {
	ide.files.ServeAsset(w, r)
}
