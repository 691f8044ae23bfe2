// No module does anything when it is imported (the rule that ESLint's
// no-restricted-syntax also keeps, eslint.config.js): every source module,
// the components included, imports in Node, where there is no window,
// document or localStorage to touch, and nothing runs until start().
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";

const src = new URL("../../src/", import.meta.url);
const files = readdirSync(src, { recursive: true })
  .map(String)
  .filter((f) => /\.tsx?$/.test(f) && f !== "main.tsx" && !f.startsWith("gql"))
  .sort();

test("every module imports without a DOM and without doing anything", async () => {
  assert.ok(files.length > 30, `only ${files.length} modules found`);
  assert.equal(typeof globalThis.window, "undefined");
  const timers = [];
  const real = { setTimeout, setInterval };
  globalThis.setTimeout = (...args) => (timers.push("setTimeout"), real.setTimeout(...args));
  globalThis.setInterval = (...args) => (timers.push("setInterval"), real.setInterval(...args));
  try {
    for (const f of files) await import(new URL(f, src).href);
  } finally {
    Object.assign(globalThis, real);
  }
  assert.deepEqual(timers, [], "a module started a timer when imported");
  const { start } = await import(new URL("start.ts", src).href);
  assert.equal(typeof start, "function");
});
