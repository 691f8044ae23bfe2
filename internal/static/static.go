// Package static serves a set of embedded browser files the way the IDE and
// the web app need them: every file at a URL that carries the start of its
// SHA-256 (<prefix><hash>/<name>), cached for a year, and a page rendered
// from a template that names them (with their Subresource Integrity),
// revalidated on every visit and served under a Content-Security-Policy.
//
// It knows HTTP and files, never what the pages do.
package static

import (
	"bytes"
	"crypto/sha256"
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

// ContentTypes are the types of the files served, by extension; files of
// other extensions are not served.
var ContentTypes = map[string]string{
	".css":  "text/css; charset=utf-8",
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".png":  "image/png",
	".svg":  "image/svg+xml",
}

// File is one file served, with its versioned URL.
type File struct {
	Body        []byte
	ContentType string
	Hash        string // hex SHA-256
	URL         string // prefix + Hash[:16] + "/" + name
}

// Integrity is the file's Subresource Integrity value.
func (f File) Integrity() string {
	sum, _ := hex.DecodeString(f.Hash)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum)
}

func newFile(body []byte, contentType string) File {
	sum := sha256.Sum256(body)
	return File{Body: body, ContentType: contentType, Hash: hex.EncodeToString(sum[:])}
}

// Set is the files under one URL prefix.
type Set struct {
	Prefix string
	Files  map[string]File // by name relative to the root they were loaded from
}

// Load returns the files under root in fsys that have a content type,
// except those skip names (by their name relative to root), served under
// prefix (which ends in a slash).
func Load(fsys fs.FS, root, prefix string, skip func(name string) bool) (*Set, error) {
	set := &Set{Prefix: prefix, Files: map[string]File{}}
	err := fs.WalkDir(fsys, root, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		contentType, ok := ContentTypes[path.Ext(name)]
		rel := strings.TrimPrefix(name, root+"/")
		if !ok || (skip != nil && skip(rel)) {
			return nil
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		f := newFile(body, contentType)
		f.URL = prefix + f.Hash[:16] + "/" + rel
		set.Files[rel] = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	return set, nil
}

// Page renders the HTML template at name in fsys with data; the template
// may call {{asset "name"}} and {{integrity "name"}} for the files of s.
func (s *Set) Page(fsys fs.FS, name string, data any) (File, error) {
	lookup := func(asset string) (File, error) {
		f, ok := s.Files[asset]
		if !ok {
			return File{}, fmt.Errorf("static: %s names %s, which is not embedded", name, asset)
		}
		return f, nil
	}
	page, err := template.New(path.Base(name)).Funcs(template.FuncMap{
		"asset": func(name string) (string, error) {
			f, err := lookup(name)
			return f.URL, err
		},
		"integrity": func(name string) (string, error) {
			f, err := lookup(name)
			return f.Integrity(), err
		},
	}).ParseFS(fsys, name)
	if err != nil {
		return File{}, err
	}
	var html bytes.Buffer
	if err := page.Execute(&html, data); err != nil {
		return File{}, err
	}
	return newFile(html.Bytes(), ContentTypes[".html"]), nil
}

// ServeAsset serves one file at its versioned URL (a route with the path
// values {hash} and {name...}), cacheable for a year; a URL whose hash is not
// the file's (a page from an older binary) is 404, so that no cache keeps
// the wrong content under it.
func (s *Set) ServeAsset(w http.ResponseWriter, r *http.Request) {
	f, ok := s.Files[r.PathValue("name")]
	if !ok || r.PathValue("hash") != f.Hash[:16] {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	Serve(w, r, f)
}

// ServePage serves a page: revalidated on every visit (it is small, and
// names the current versions of the files), under the policy csp.
func ServePage(w http.ResponseWriter, r *http.Request, page File, csp string) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	Serve(w, r, page)
}

// Serve writes f with its type and an ETag (so that revalidation is a 304).
func Serve(w http.ResponseWriter, r *http.Request, f File) {
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("ETag", `"`+f.Hash[:32]+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.Body))
}
