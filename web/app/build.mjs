// Bundles src/main.tsx and src/app.css with esbuild into
// ../../internal/webapp/dist/ (app.js, app.css), which the binary embeds.
// The output is byte-reproducible: no timestamps, no source maps, no
// absolute paths, so `make check-web` can rebuild and compare with git.
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { readFileSync, rmSync } from "node:fs";

const outdir = "../../internal/webapp/dist";
rmSync(outdir, { recursive: true, force: true }); // nothing stale stays
await build({
  entryPoints: [
    { in: "src/main.tsx", out: "app" },
    { in: "src/app.css", out: "app" },
  ],
  outdir,
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none",
  charset: "utf8",
  sourcemap: false,
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
});
if (process.argv.includes("--size")) {
  for (const name of ["app.js", "app.css"]) {
    const body = readFileSync(`${outdir}/${name}`);
    console.log(`${name}: ${body.length} bytes, ${gzipSync(body, { level: 9 }).length} gzipped`);
  }
}
