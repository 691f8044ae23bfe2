// Lets `node --test` import the app's TypeScript sources as they are:
// registers the hooks of ts-hooks.mjs, which compile each .ts file with
// esbuild when it is loaded. Used as
//   node --import ./test/unit/register.mjs --test test/unit/*.test.mjs
// (make test-web-unit).
import { register } from "node:module";

register("./ts-hooks.mjs", import.meta.url);
