#!/usr/bin/env bash
# The GraphQL IDE's third-party files (internal/ide/assets/vendor), which the
# binary embeds so that the IDE at / works without internet.
#
#   scripts/ide-assets.sh update   npm ci the pinned versions of web/ide (its
#                                  package-lock.json), copy their browser builds
#                                  into the vendor folder, record their SHA-256
#                                  in SHA256SUMS and their origin in SOURCES
#   scripts/ide-assets.sh check    verify the vendor folder against SHA256SUMS
#                                  (offline; `make check-ide`)
#
# To change a version: edit web/ide/package.json, run `npm install
# --ignore-scripts` in web/ide to refresh the lockfile, then `make ide`, and
# check the IDE in a browser (`go test -run TestIDEInBrowser ./server/`).
set -euo pipefail
cd "$(dirname "$0")/.."

src=web/ide
dst=internal/ide/assets/vendor

# name in the vendor folder, npm package, file in that package
files=(
  "react.production.min.js      react        umd/react.production.min.js"
  "react-dom.production.min.js  react-dom    umd/react-dom.production.min.js"
  "graphiql.min.js              graphiql     graphiql.min.js"
  "graphiql.min.css             graphiql     graphiql.min.css"
  "graphql-sse.min.js           graphql-sse  umd/graphql-sse.min.js"
)

check() {
  local listed actual
  (cd "$dst" && sha256sum --check --strict --quiet SHA256SUMS) ||
    { echo "$dst does not match its SHA256SUMS: run make ide"; return 1; }
  listed=$(awk '{print $2}' "$dst/SHA256SUMS" | sort)
  actual=$(cd "$dst" && ls | grep -vx -e SHA256SUMS -e SOURCES | sort)
  if [ "$listed" != "$actual" ]; then
    echo "$dst holds files that SHA256SUMS does not list (or the reverse):"
    diff <(echo "$listed") <(echo "$actual") || true
    return 1
  fi
  echo "IDE assets match SHA256SUMS"
}

update() {
  (cd "$src" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  mkdir -p "$dst"
  find "$dst" -maxdepth 1 -type f ! -name '.*' -delete # not .gitattributes
  : >"$dst/SOURCES"
  local line name pkg path version
  for line in "${files[@]}"; do
    read -r name pkg path <<<"$line"
    version=$(node -p "require('./$src/node_modules/$pkg/package.json').version")
    # A source map comment would make DevTools ask for a file we do not
    # serve; drop it (the only change made to any file).
    sed -e '/^\/\/# sourceMappingURL=/d' -e 's,/\*# sourceMappingURL=[^*]*\*/,,' \
      "$src/node_modules/$pkg/$path" >"$dst/$name"
    printf '%s  %s@%s/%s%s\n' "$name" "$pkg" "$version" "$path" \
      "$(cmp -s "$src/node_modules/$pkg/$path" "$dst/$name" || echo ' (source map comment removed)')" >>"$dst/SOURCES"
  done
  (cd "$dst" && sha256sum $(ls | grep -vx -e SHA256SUMS -e SOURCES) >SHA256SUMS)
  echo "copied into $dst:"
  cat "$dst/SOURCES"
  du -cb "$dst"/*.js "$dst"/*.css | tail -1
}

case "${1:-}" in
  update) update && check ;;
  check) check ;;
  *) echo "usage: $0 update|check" >&2; exit 2 ;;
esac
