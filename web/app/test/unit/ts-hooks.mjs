// Module hooks (node:module register) for the unit tests: a relative import
// without an extension ("./messages", as the sources write them for esbuild)
// finds its .ts or .tsx file, and such a file is compiled by esbuild's
// transform (types stripped, one file at a time, nothing bundled), so the
// tests run the very sources the bundle is built from.
import { transform } from "esbuild";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const typescript = /\.tsx?$/;

export async function resolve(specifier, context, next) {
  if (/^\.\.?\//.test(specifier) && context.parentURL && typescript.test(context.parentURL)) {
    for (const ext of ["", ".ts", ".tsx"]) {
      const url = new URL(specifier + ext, context.parentURL);
      if (typescript.test(url.pathname) && existsSync(url)) return { url: url.href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith("file:") || !typescript.test(url)) return next(url, context);
  const { code } = await transform(await readFile(new URL(url), "utf8"), {
    loader: url.endsWith(".tsx") ? "tsx" : "ts",
    format: "esm",
    target: "node20",
    jsx: "automatic",
    jsxImportSource: "preact",
    sourcefile: fileURLToPath(url),
    sourcemap: "inline",
  });
  return { format: "module", source: code, shortCircuit: true };
}
