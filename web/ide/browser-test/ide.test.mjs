// The IDE at / in headless Chromium against a running messenger server:
// it loads with no request leaving the server's origin, runs a query with
// the token pasted in the Headers pane, runs a subscription over graphql-sse
// with that token, shows a message sent meanwhile by a plain POST, and stops
// the subscription. Run by server/ide_browser_test.go, which starts the server:
//
//   IDE_URL=http://127.0.0.1:8080 CHROMIUM=/usr/bin/chromium node ide.test.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const base = process.env.IDE_URL;
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
if (!base) throw new Error('IDE_URL is not set');
const origin = new URL(base).origin;
const guard = 30_000; // the longest wait for something that must come

// The whole run is bounded; the Go test bounds it too.
setTimeout(() => fail('timed out'), 120_000).unref();

const problems = [];
function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}
function step(message) {
  console.log(`${new Date().toISOString().slice(11, 23)} ${message}`);
}

async function graphql(token, query, variables = {}) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (!res.ok || body.errors) throw new Error(`${query}: ${res.status} ${JSON.stringify(body)}`);
  return body.data;
}

// The data: users, a conversation; Bob will use the IDE, Alice writes.
// (The names are fresh, so that the script also runs against a used database.)
const run = Date.now().toString(36);
const signUp = 'mutation($u: String!) { signUp(input: {username: $u, password: "password123"}) { token } }';
const alice = (await graphql('', signUp, { u: `alice_${run}` })).signUp.token;
const bob = (await graphql('', signUp, { u: `bob_${run}` })).signUp.token;
const conversation = (await graphql(alice, 'mutation($u: String!) { startDirectConversation(username: $u) { id } }',
  { u: `bob_${run}` })).startDirectConversation.id;
step('signed up alice and bob');

const userDataDir = await mkdtemp(path.join(tmpdir(), 'messenger-ide-chromium-'));
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  userDataDir,
  protocolTimeout: guard,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    // Belt and braces: no name resolves, so nothing could load from
    // elsewhere even if the interception below let it through.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  ],
});
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(guard);

  // Every request the page makes: those leaving the origin are refused and
  // reported; data: URLs (GraphiQL's fonts and icons) never leave.
  const foreign = [];
  let streams = 0; // graphql-sse requests
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    if (process.env.IDE_DEBUG) console.log('request', req.method(), req.url().slice(0, 80), req.postData()?.slice(0, 80));
    const url = req.url();
    if (url.startsWith('data:')) return void req.continue(); // nothing leaves
    if (url.startsWith(`${origin}/`)) {
      if (req.method() === 'POST' && /text\/event-stream/.test(req.headers().accept || '')) streams++;
      req.continue();
    } else {
      foreign.push(`${req.method()} ${url}`);
      req.abort('blockedbyclient');
    }
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });

  await page.goto(`${base}/`, { waitUntil: 'load' });
  await page.waitForSelector('.graphiql-query-editor .CodeMirror');
  step('GraphiQL is up');

  const editor = {
    query: '.graphiql-query-editor .CodeMirror',
    headers: '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror',
    response: '.graphiql-response .CodeMirror',
  };
  const setText = (selector, text) => page.$eval(selector, (el, t) => el.CodeMirror.setValue(t), text);
  // GraphiQL takes in an edited query after a pause (it stores it then);
  // until then it would still run the default document, which has two
  // operations, and the run button would open the operation picker.
  const setQuery = async (text) => {
    await setText(editor.query, text);
    await page.waitForFunction((t) => localStorage.getItem('graphiql:query') === t, { polling: 50 }, text);
  };
  const response = () => page.$eval(editor.response, (el) => el.CodeMirror.getValue());
  const waitResponse = (needle, timeout = guard) =>
    page.waitForFunction(
      (sel, n) => document.querySelector(sel)?.CodeMirror.getValue().includes(n),
      { timeout, polling: 100 }, editor.response, needle);
  const expectResponse = async (needle) => {
    if (!(await waitResponse(needle).then(() => true, () => false))) {
      fail(`the result pane never showed ${needle}; it shows:\n${await response()}\n${problems.join('\n')}`);
    }
  };
  const execute = () => page.click('.graphiql-execute-button');

  // The Headers pane is open by default; paste Bob's token into it.
  const tabs = await page.$$eval('.graphiql-editor-tools button', (bs) => bs.map((b) => b.textContent));
  if (!tabs.includes('Headers')) fail(`no Headers tab among ${JSON.stringify(tabs)}`);
  // (Clicking the active tab would fold the pane.)
  await page.$$eval('.graphiql-editor-tools button', (bs) => {
    const tab = bs.find((b) => b.textContent === 'Headers');
    if (!tab.classList.contains('active')) tab.click();
  });
  await setText(editor.headers, JSON.stringify({ Authorization: `Bearer ${bob}` }, null, 2));

  await setQuery('{ me { username } }');
  await execute();
  await expectResponse(`"username": "bob_${run}"`);
  step('query: me is bob');

  await setQuery('subscription { messageCreated { content sender { username } } }');
  await execute();
  await page.waitForFunction(() => document.querySelector('.graphiql-execute-button[aria-label*="top"]') !== null ||
    document.querySelector('.graphiql-execute-button')?.getAttribute('aria-label')?.includes('Stop'), { polling: 100 })
    .catch(() => {}); // the button's label is cosmetic; the stream below is what counts
  // Send until one arrives: the stream starts at "now", and a message
  // committed before it began is (rightly) not delivered.
  let seen = false;
  for (let i = 1; i <= 20 && !seen; i++) {
    await graphql(alice, 'mutation($c: ID!, $t: String!) { createMessage(input: {conversationId: $c, content: $t}) { seq } }',
      { c: conversation, t: `hello from the test ${i}` });
    seen = await waitResponse('hello from the test', 1_500).then(() => true, () => false);
  }
  if (!seen) fail(`no message in the result pane; it shows:\n${await response()}`);
  const shown = await response();
  if (!shown.includes(`"username": "alice_${run}"`) || !shown.includes('"cursor"')) {
    fail(`the event lacks its sender or extensions.cursor:\n${shown}`);
  }
  if (streams !== 1) fail(`${streams} graphql-sse requests, want 1`);
  step('subscription: the message arrived over graphql-sse');

  // Stop it; the request ends (graphql-sse aborts it).
  const ended = new Promise((resolve) => {
    const done = (req) => { if (/text\/event-stream/.test(req.headers().accept || '')) resolve(); };
    page.on('requestfinished', done);
    page.on('requestfailed', done);
  });
  await execute();
  let timer;
  await Promise.race([ended, new Promise((resolve) => { timer = setTimeout(resolve, guard, 'late'); })])
    .then((late) => late && fail('the stream did not end when stopped'))
    .finally(() => clearTimeout(timer));
  step('subscription stopped');

  // The token stays out of localStorage ("persist headers" is off).
  const stored = await page.evaluate(() => Object.entries(localStorage).map(([k, v]) => `${k}=${v}`));
  if (stored.some((entry) => entry.includes(bob))) problems.push(`the token is in localStorage: ${stored.join('\n')}`);

  if (foreign.length) problems.push(...foreign.map((r) => `left the origin: ${r}`));
  if (problems.length) fail(problems.join('\n'));
  step('no request left the origin, no errors');
} finally {
  await browser.close();
  await rm(userDataDir, { recursive: true, force: true });
}
