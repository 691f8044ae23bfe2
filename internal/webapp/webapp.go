// Package webapp serves the messenger's web app at /app/: the bundle that
// `make web` builds from web/app (Preact, urql, graphql-sse, typed by
// graphql-codegen) into dist/, committed and embedded in the binary, so the
// app needs no npm step and loads nothing from another origin.
//
// The page is served at /app/ (revalidated on every visit, under a policy
// that keeps it on its own origin) and the bundle's files at
// /app/assets/<hash>/<name>, cached for a year (internal/static).
package webapp

import (
	"embed"
	"net/http"

	"github.com/messenger/messenger/internal/static"
)

//go:embed page.html dist
var embedded embed.FS

// Path is where the app is served; AssetPrefix, where its files are.
const (
	Path        = "/app/"
	AssetPrefix = Path + "assets/"
)

// contentSecurityPolicy lets the page load and connect to its own origin
// only. The app sets no inline script or style (Preact sets styles through
// the DOM, which the policy does not govern).
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; manifest-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// App is the app's page and files for one GraphQL endpoint.
type App struct {
	page  static.File
	files *static.Set
}

// New returns the app for the GraphQL endpoint at the path endpoint.
func New(endpoint string) (*App, error) {
	files, err := static.Load(embedded, "dist", AssetPrefix, nil)
	if err != nil {
		return nil, err
	}
	page, err := files.Page(embedded, "page.html", struct{ Endpoint string }{endpoint})
	if err != nil {
		return nil, err
	}
	return &App{page: page, files: files}, nil
}

// Register serves the app for the GraphQL endpoint at the path endpoint on
// mux: the page at Path (and /app redirected there), its files under
// AssetPrefix.
func Register(mux *http.ServeMux, endpoint string) {
	app, err := New(endpoint)
	if err != nil {
		panic(err) // the embedded files are checked by the package's tests
	}
	mux.Handle("GET /app", http.RedirectHandler(Path, http.StatusMovedPermanently))
	mux.HandleFunc("GET "+Path+"{$}", app.ServePage)
	mux.HandleFunc("GET "+AssetPrefix+"{hash}/{name...}", app.files.ServeAsset)
}

// ServePage serves the app's page.
func (app *App) ServePage(w http.ResponseWriter, r *http.Request) {
	static.ServePage(w, r, app.page, contentSecurityPolicy)
}
