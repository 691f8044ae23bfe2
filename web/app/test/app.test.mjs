// The web app at /app/ in headless Chromium against a running messenger
// server (puppeteer-core, Debian's chromium). Run by TestWebAppInBrowser in
// server/webapp_test.go, which builds and starts the server:
//
//   APP_URL=http://127.0.0.1:8080 CHROMIUM=/usr/bin/chromium node test/app.test.mjs
//
// Alice and Bob each have a browser context (Bob two tabs of his). They sign
// up, chat, Bob's network is cut (CDP network emulation) while Alice sends
// three messages, and Bob sees exactly those three once restored; unread
// counts agree between Bob's tabs after one of them reads, and so do the
// read ticks of his messages; Alice sees hers ticked once he read them; Bob
// sees Alice typing, until her message, and again until it expires; her edit
// and delete reach him live; a message Bob sends offline arrives once; older
// messages load on scroll; Carol joins for a group that Alice creates,
// renames and removes her from, Bob adds her back and she leaves; axe-core
// finds no serious or critical violation; no request leaves the origin. It writes
// screenshots to test/screenshots/ and prints the measures (never asserted)
// as "MEASURE name value" lines.
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const base = process.env.APP_URL;
const chromium = process.env.CHROMIUM || "/usr/bin/chromium";
if (!base) throw new Error("APP_URL is not set");
const origin = new URL(base).origin;
const appURL = `${origin}/app/`;
const guard = 30_000; // the longest wait for something that must come
const shots = path.join(here, "screenshots");
setTimeout(() => fail("timed out"), 170_000).unref();

const problems = [];
function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}
function check(ok, message) {
  if (!ok) fail(message);
}
function step(message) {
  console.log(`${new Date().toISOString().slice(11, 23)} ${message}`);
}
function measure(name, value, unit) {
  console.log(`MEASURE ${name} ${value} ${unit}`);
}

const run = Date.now().toString(36);
const names = { alice: `alice_${run}`, bob: `bob_${run}` };
const password = "password123";

// Selectors by role and accessible name: the test finds everything the way
// assistive technology does, so a missing label fails it.
const field = (name) => `::-p-aria([name="${name}"][role="textbox"])`;
const button = (name) => `::-p-aria([name="${name}"][role="button"])`;
const messages = '[aria-label="Messages"]';
const conversations = '[aria-label="Conversations"]';

const userDataDir = await mkdtemp(path.join(tmpdir(), "messenger-app-chromium-"));
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  userDataDir,
  protocolTimeout: guard,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-renderer-backgrounding",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
  ],
});

const foreign = [];
/** A new tab of context, watched for errors and requests off the origin. */
async function newTab(context, label) {
  const page = await context.newPage();
  page.setDefaultTimeout(guard);
  await page.setViewport({ width: 1000, height: 640 });
  page.streams = []; // graphql-sse requests: their bodies
  page.on("request", (req) => {
    const url = req.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith("data:")) foreign.push(`${label}: ${req.method()} ${url}`);
    if (req.method() === "POST" && /text\/event-stream/.test(req.headers().accept || "")) page.streams.push(req.postData() || "");
  });
  page.on("pageerror", (err) => { step(`${label}: page error: ${err.stack}`); problems.push(`${label}: page error: ${err.message}`); });
  page.on("console", (msg) => {
    // A request cut by the emulated outage is logged by Chromium as an error; those are expected.
    if (msg.type() === "error" && !/ERR_INTERNET_DISCONNECTED|Failed to load resource|network error/i.test(msg.text())) {
      problems.push(`${label}: console: ${msg.text()}`);
    }
  });
  await page.evaluateOnNewDocument(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  return page;
}

/** The data-seq of the message whose text is text (-1 when none). */
const seqOf = (page, text) =>
  page.$$eval(`${messages} li[data-seq]`, (els, t) =>
    Number(els.find((e) => e.querySelector(".text")?.textContent === t)?.dataset.seq ?? -1), text);
const bubble = (seq) => `${messages} li[data-seq="${seq}"]`;
const typingText = (page) => page.$eval(".typing", (el) => el.textContent).catch(() => "");
/** Clicks the button named name inside the element of selector (hovered first: its tools show then). */
async function clickIn(page, selector, name) {
  const el = await page.waitForSelector(selector);
  await el.hover();
  const b = await el.waitForSelector(button(name));
  await b.click();
}
const texts = (page) =>
  page.$$eval(`${messages} li[data-seq] .text`, (els) => els.map((e) => e.textContent));
const waitText = (page, text) =>
  page.waitForFunction(
    (sel, t) => [...document.querySelectorAll(`${sel} li[data-seq] .text`)].some((e) => e.textContent === t),
    { polling: 100 }, messages, text);
const unread = (page, id) =>
  page.$eval(`${conversations} li[data-id="${id}"]`, (el) => Number(el.dataset.unread)).catch(() => -1);

/** Clicks the element of selector, once there. */
async function click(page, selector) {
  await (await page.waitForSelector(selector)).click();
}

async function send(page, text) {
  await click(page, field("Message"));
  await page.type(field("Message"), text);
  await click(page, button("Send"));
}

async function signUp(page, username, displayName) {
  await page.goto(appURL, { waitUntil: "load" });
  await page.waitForSelector(field("Username"));
  await page.type(field("Username"), username);
  await page.type(field("Password"), password);
  await page.type(field("Display name"), displayName);
  await click(page, button("Sign up"));
  await page.waitForSelector(button("Log out"));
}

const offline = (page) => page.emulateNetworkConditions({ offline: true, download: -1, upload: -1, latency: 0 });
const online = (page) => page.emulateNetworkConditions(null);

const axeSource = await readFile(path.join(here, "../node_modules/axe-core/axe.min.js"), "utf8");
/** Runs axe-core in the page; serious and critical violations are problems. */
async function axe(page, label) {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await globalThis.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) }));
  });
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of violations) step(`axe ${label}: ${v.impact} ${v.id} ${v.nodes.join(", ")}`);
  if (bad.length) problems.push(`axe ${label}: ${JSON.stringify(bad)}`);
}

await rm(shots, { recursive: true, force: true });
await mkdir(shots, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(shots, `${name}.png`) });

try {
  const aliceContext = await browser.createBrowserContext();
  const bobContext = await browser.createBrowserContext();
  const alice = await newTab(aliceContext, "alice");
  const bob = await newTab(bobContext, "bob");

  // Log-in screen: first render, axe, screenshots (desktop and phone).
  await alice.goto(appURL, { waitUntil: "load" });
  await alice.waitForSelector(field("Username"));
  measure("first_render_ms", Math.round(await alice.evaluate(() => performance.getEntriesByName("app:first-render")[0].startTime)), "ms");
  await axe(alice, "log-in");
  await shot(alice, "login");
  await alice.setViewport({ width: 390, height: 780 });
  await shot(alice, "login-phone");
  await alice.setViewport({ width: 1000, height: 640 });

  await signUp(alice, names.alice, "Alice");
  await signUp(bob, names.bob, "Bob");
  step("alice and bob signed up in the app");

  // Alice finds Bob and starts a direct conversation.
  await alice.type(`::-p-aria([name="Find a user"][role="searchbox"])`, names.bob);
  await click(alice, `button[data-username="${names.bob}"]`);
  await alice.waitForFunction(() => location.hash.startsWith("#/c/"));
  const conv = decodeURIComponent((await alice.evaluate(() => location.hash)).slice(4));
  await send(alice, "hello bob");
  await waitText(alice, "hello bob");
  step(`alice started conversation ${conv} and wrote`);

  // Bob's list shows it live, unread; he opens it and answers.
  await bob.waitForSelector(`${conversations} li[data-id="${conv}"][data-unread="1"]`);
  check((await bob.title()) === "(1) messenger", `bob's title is ${await bob.title()}`);
  await shot(bob, "conversation-list");
  await click(bob, `${conversations} li[data-id="${conv}"] a`);
  await waitText(bob, "hello bob");
  await bob.waitForSelector(`${conversations} li[data-id="${conv}"][data-unread="0"]`);
  await send(bob, "hi alice");
  await waitText(alice, "hi alice");
  await waitText(bob, "hi alice");
  step("bob read and answered; alice saw it live");

  // Bob's network is cut while Alice sends three messages.
  const streamsBefore = bob.streams.length;
  await offline(bob);
  await bob.waitForSelector('::-p-text(Offline: reconnecting)');
  const cut = ["while you were away 1", "while you were away 2", "while you were away 3"];
  for (const t of cut) {
    await send(alice, t);
    await waitText(alice, t); // stored: it has its seq
  }
  const seenOffline = (await texts(bob)).filter((t) => cut.includes(t)).length;
  check(seenOffline === 0, `bob saw ${seenOffline} of the three while offline: the stream was not cut`);
  await online(bob);
  for (const t of cut) await waitText(bob, t);
  const bobTexts = await texts(bob);
  const want = ["hello bob", "hi alice", ...cut];
  check(JSON.stringify(bobTexts) === JSON.stringify(want), `bob sees ${JSON.stringify(bobTexts)}, want ${JSON.stringify(want)}`);
  const resumed = bob.streams.slice(streamsBefore);
  check(resumed.some((body) => /"after":"[^"]+"/.test(body)),
    `bob's stream did not resubscribe with after: the last cursor: ${JSON.stringify(resumed)}`);
  const seqs = await bob.$$eval(`${messages} li[data-seq]`, (els) => els.map((e) => Number(e.dataset.seq)));
  check(seqs.every((s, i) => s === i + 1), `bob's seqs ${seqs}`);
  step(`bob back online: the three once, in order (none while offline; resumed with after)`);
  await axe(bob, "conversation");
  await shot(bob, "conversation");
  await bob.setViewport({ width: 390, height: 780 });
  await shot(bob, "conversation-phone");
  await axe(bob, "conversation at phone width");
  await bob.setViewport({ width: 1000, height: 640 });

  // Bob's second tab: the same session; unread counts agree after one reads.
  const bob2 = await newTab(bobContext, "bob tab 2");
  await bob2.goto(appURL, { waitUntil: "load" });
  await bob2.waitForSelector(`${conversations} li[data-id="${conv}"]`);
  await bob.bringToFront();
  await bob.evaluate(() => { location.hash = ""; }); // bob's first tab leaves the conversation
  await bob.waitForSelector('::-p-text(Choose a conversation)');
  await send(alice, "unread one");
  await waitText(alice, "unread one");
  await send(alice, "unread two");
  await waitText(alice, "unread two");
  let agreed = -1;
  for (;;) {
    const [a, b] = [await unread(bob, conv), await unread(bob2, conv)];
    if (a === b && a >= 2) {
      agreed = a;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  check((await bob.title()) === (await bob2.title()), `titles ${await bob.title()} / ${await bob2.title()}`);
  await click(bob, `${conversations} li[data-id="${conv}"] a`);
  await waitText(bob, "unread two");
  await bob2.waitForSelector(`${conversations} li[data-id="${conv}"][data-unread="0"]`);
  check((await unread(bob, conv)) === 0, "bob's first tab still counts unread");
  check((await bob2.title()) === "messenger", `bob's second tab's title is ${await bob2.title()}`);
  step(`bob's tabs agreed on ${agreed} unread, then on 0 after the first one read`);

  // Read ticks: Alice sees hers read once Bob read them; Bob his, which she read on screen.
  const unreadTwo = await seqOf(alice, "unread two");
  await alice.waitForSelector(`${bubble(unreadTwo)}[data-read="true"]`);
  const hiAlice = await seqOf(bob, "hi alice");
  await bob.waitForSelector(`${bubble(hiAlice)}[data-read="true"]`);
  check((await alice.$$eval(`${messages} li[data-read]`, (els) => els.every((e) => e.dataset.read === "true"))),
    "alice has an unread tick on a message bob read");
  step("read ticks: alice sees bob read hers, bob sees alice read his");

  // Typing: Alice types without sending; Bob sees it, and it goes when her message comes.
  await click(alice, field("Message"));
  await alice.type(field("Message"), "almost there");
  await bob.waitForFunction(() => document.querySelector(".typing")?.textContent === "Alice is typing…", { polling: 100 });
  check((await bob.$eval(".typing", (el) => el.getAttribute("role"))) === "status", "the typing indicator is no status");
  check((await typingText(alice)) === "", `alice sees "${await typingText(alice)}" of herself`);
  await shot(bob, "typing");
  await click(alice, button("Send"));
  await waitText(bob, "almost there");
  await bob.waitForFunction(() => document.querySelector(".typing")?.textContent === "", { polling: 100 });
  // She types again and stops without sending: the indicator goes when it expires.
  await alice.type(field("Message"), "hm");
  await bob.waitForFunction(() => document.querySelector(".typing")?.textContent === "Alice is typing…", { polling: 100 });
  await alice.$eval(field("Message"), (el) => el.select());
  await alice.keyboard.press("Backspace");
  await bob.waitForFunction(() => document.querySelector(".typing")?.textContent === "", { polling: 200 });
  step("typing: bob saw alice typing, then her message and no indicator; again, until it expired");

  // Alice edits a message and deletes her last one: Bob sees both live, his list too.
  const unreadOne = await seqOf(alice, "unread one");
  await clickIn(alice, bubble(unreadOne), "Edit");
  const editField = field("Edit message");
  await alice.waitForSelector(editField);
  await alice.$eval(editField, (el) => el.select());
  await alice.type(editField, "unread one, edited");
  await axe(alice, "editing a message");
  await shot(alice, "editing");
  await click(alice, button("Save"));
  await alice.waitForFunction((sel) => document.activeElement?.closest(sel) && document.activeElement.textContent === "Edit",
    { polling: 100 }, bubble(unreadOne)); // the keyboard's focus is back on "Edit"
  await bob.waitForSelector(`${bubble(unreadOne)}[data-edited="true"]`);
  check((await bob.$eval(`${bubble(unreadOne)} .text`, (el) => el.textContent)) === "unread one, edited", "bob has not the edit");
  check((await bob.$eval(`${bubble(unreadOne)} .edited`, (el) => el.textContent)) === "edited", "bob sees no edited mark");
  const almost = await seqOf(alice, "almost there");
  await clickIn(alice, bubble(almost), "Delete");
  await bob.waitForSelector(`${bubble(almost)}[data-deleted="true"]`);
  check((await bob.$eval(bubble(almost), (el) => el.textContent)).includes("message deleted"), "bob sees no tombstone");
  check(!(await bob.$(`${bubble(almost)} .text`)), "bob still sees the deleted content");
  for (const page of [bob, bob2]) {
    await page.waitForFunction((sel, id) => document.querySelector(`${sel} li[data-id="${id}"] .last`)?.textContent === "Alice: message deleted",
      { polling: 100 }, conversations, conv);
  }
  await alice.waitForSelector(`${bubble(almost)}[data-deleted="true"]`);
  await shot(bob, "edit-delete");
  step("alice's edit and delete reached bob live; his tabs' lists show the last message deleted");

  // A message Bob sends offline: an optimistic bubble, then sent once.
  const streamsBeforeSecondCut = bob.streams.length;
  await offline(bob);
  await bob.waitForFunction(() => !navigator.onLine);
  await send(bob, "typed while offline");
  await bob.waitForSelector(`${messages} li.pending`);
  await shot(bob, "conversation-offline");
  await online(bob);
  await waitText(alice, "typed while offline");
  await waitText(bob, "typed while offline");
  await bob.waitForFunction((sel) => !document.querySelector(`${sel} li.pending`), { polling: 100 }, messages);
  const once = (list) => list.filter((t) => t === "typed while offline").length;
  check(once(await texts(alice)) === 1, `alice sees it ${once(await texts(alice))} times`);
  check(once(await texts(bob)) === 1, `bob sees it ${once(await texts(bob))} times`);
  // Typing events (no cursor) came since the first cut: the resume still names the last cursor.
  const resumedAgain = bob.streams.slice(streamsBeforeSecondCut).filter((body) => body.includes("conversationEvents("));
  check(resumedAgain.length > 0 && resumedAgain.every((body) => /"after":"[^"]+"/.test(body)),
    `bob's second resume: ${JSON.stringify(resumedAgain)}`);
  step("the message sent offline arrived once; the stream resumed from its cursor again");

  // Older messages load on scroll: 40 more from Alice, then Bob's second
  // tab opens the conversation (its newest page) and scrolls to the top.
  const aliceToken = await alice.evaluate(() => localStorage.getItem("messenger.token"));
  for (let i = 1; i <= 40; i++) {
    const res = await fetch(`${origin}/graphql`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${aliceToken}` },
      body: JSON.stringify({
        query: "mutation($c: ID!, $t: String!) { createMessage(input: {conversationId: $c, content: $t}) { seq } }",
        variables: { c: conv, t: `history ${i}` },
      }),
    });
    check(res.ok, `createMessage: ${res.status}`);
  }
  await bob2.bringToFront();
  await click(bob2, `${conversations} li[data-id="${conv}"] a`);
  await waitText(bob2, "history 40");
  const firstPage = (await texts(bob2)).length;
  for (let i = 0; i < 10 && !(await texts(bob2)).includes("hello bob"); i++) {
    await bob2.$eval(messages, (el) => { el.scrollTop = 0; el.dispatchEvent(new Event("scroll")); });
    await bob2.waitForFunction((sel, n) => document.querySelectorAll(`${sel} li[data-seq]`).length > n, { polling: 100 }, messages, firstPage)
      .catch(() => {});
  }
  const all = await bob2.$$eval(`${messages} li[data-seq]`, (els) => els.map((e) => Number(e.dataset.seq)));
  check(all.length > firstPage && all[0] === 1 && all.every((s, i) => s === i + 1),
    `after scrolling up bob's second tab shows seqs ${all} (first page ${firstPage})`);
  step(`older messages loaded on scroll: ${firstPage} then ${all.length}`);

  // Bob's two tabs agree on the read ticks of his messages (Alice read them on screen).
  const bobsOwn = await bob.$$eval(`${messages} li[data-read]`, (els) => els.map((e) => `${e.dataset.seq}:${e.dataset.read}`));
  const bobsOwn2 = await bob2.$$eval(`${messages} li[data-read]`, (els) => els.map((e) => `${e.dataset.seq}:${e.dataset.read}`));
  check(bobsOwn.length >= 2 && JSON.stringify(bobsOwn) === JSON.stringify(bobsOwn2) && bobsOwn.every((r) => r.endsWith(":true")),
    `bob's tabs' read ticks: ${bobsOwn} / ${bobsOwn2}`);
  step(`bob's two tabs agree on the read ticks of his ${bobsOwn.length} messages`);

  // Time to first message: a fresh tab opened on the conversation.
  const bob3 = await newTab(bobContext, "bob tab 3");
  await bob3.goto(`${appURL}#/c/${encodeURIComponent(conv)}`, { waitUntil: "load" });
  await waitText(bob3, "history 40");
  const marks = await bob3.evaluate(() => ({
    render: performance.getEntriesByName("app:first-render")[0]?.startTime,
    message: performance.getEntriesByName("app:first-message")[0]?.startTime,
  }));
  measure("first_message_ms", Math.round(marks.message), "ms");
  measure("first_render_logged_in_ms", Math.round(marks.render), "ms");
  await bob3.close();

  // A group: Alice creates it with Bob and Carol; it reaches their lists live
  // with its first message; she renames it and removes Carol; Bob adds her
  // back; Carol leaves.
  names.carol = `carol_${run}`;
  const carolContext = await browser.createBrowserContext();
  const carol = await newTab(carolContext, "carol");
  await signUp(carol, names.carol, "Carol");
  await alice.bringToFront();
  await click(alice, ".new-group summary");
  await alice.type(field("Group title"), "Lunch");
  await alice.type(field("Members"), `${names.bob}, ${names.carol}`);
  await click(alice, button("Create group"));
  await alice.waitForFunction((c) => location.hash.startsWith("#/c/") && location.hash !== `#/c/${encodeURIComponent(c)}`, {}, conv);
  const group = decodeURIComponent((await alice.evaluate(() => location.hash)).slice(4));
  await send(alice, "lunch at noon?");
  await waitText(alice, "lunch at noon?");
  await carol.waitForSelector(`${conversations} li[data-id="${group}"][data-unread="1"]`);
  await bob.waitForSelector(`${conversations} li[data-id="${group}"]`);
  step(`alice created group ${group}; it reached bob's and carol's lists live`);

  await click(alice, ".members-panel summary");
  await alice.waitForSelector(`[aria-label="Members"] li[data-username="${names.carol}"]`);
  await axe(alice, "members panel");
  await shot(alice, "group-members");
  await alice.type(field("New title"), "Friday lunch");
  await click(alice, button("Rename"));
  const nameIn = (page, id) =>
    page.$eval(`${conversations} li[data-id="${id}"] .name`, (el) => el.textContent).catch(() => "");
  await bob.waitForFunction((sel, id) => document.querySelector(`${sel} li[data-id="${id}"] .name`)?.textContent === "Friday lunch",
    { polling: 100 }, conversations, group);
  await carol.waitForFunction((sel, id) => document.querySelector(`${sel} li[data-id="${id}"] .name`)?.textContent === "Friday lunch",
    { polling: 100 }, conversations, group);
  step("the rename reached bob's and carol's lists live");

  await click(alice, button("Remove Carol"));
  await carol.waitForFunction((sel, id) => !document.querySelector(`${sel} li[data-id="${id}"]`), { polling: 100 }, conversations, group);
  await alice.waitForFunction((n) => !document.querySelector(`[aria-label="Members"] li[data-username="${n}"]`), { polling: 100 }, names.carol);
  step("alice removed carol: the group left carol's list");

  // Bob, not the owner, adds Carol back: no rename or remove for him.
  await bob.bringToFront();
  await click(bob, `${conversations} li[data-id="${group}"] a`);
  await waitText(bob, "lunch at noon?");
  await click(bob, ".members-panel summary");
  check(!(await bob.$(button("Rename"))) && !(await bob.$(button("Remove Alice"))), "bob may rename or remove");
  await bob.type(field("Username to add"), names.carol);
  await click(bob, button("Add member"));
  await carol.waitForSelector(`${conversations} li[data-id="${group}"]`);
  check((await nameIn(carol, group)) === "Friday lunch", `carol's list names the group ${await nameIn(carol, group)}`);
  await alice.waitForSelector(`[aria-label="Members"] li[data-username="${names.carol}"]`);
  await bob.setViewport({ width: 390, height: 780 });
  await shot(bob, "group-phone");
  await axe(bob, "group at phone width");
  await bob.setViewport({ width: 1000, height: 640 });
  step("bob added carol back: the group is in her list again, with its new title");

  // Carol opens it and leaves.
  await carol.bringToFront();
  await click(carol, `${conversations} li[data-id="${group}"] a`);
  await waitText(carol, "lunch at noon?");
  await click(carol, ".members-panel summary");
  await click(carol, button("Leave"));
  await carol.waitForFunction((sel, id) => !document.querySelector(`${sel} li[data-id="${id}"]`), { polling: 100 }, conversations, group);
  await carol.waitForSelector("::-p-text(Choose a conversation)");
  await alice.waitForFunction((n) => !document.querySelector(`[aria-label="Members"] li[data-username="${n}"]`), { polling: 100 }, names.carol);
  step("carol left: gone from her list and from alice's members");

  // Log out ends the session in every tab of the browser.
  await bob.bringToFront();
  await click(bob, button("Log out"));
  await bob.waitForSelector(field("Username"));
  await bob2.waitForSelector("#username");
  step("log out: both of bob's tabs are back at the log-in form");

  if (foreign.length) problems.push(...foreign.map((r) => `left the origin: ${r}`));
  if (problems.length) fail(problems.join("\n"));
  step("no request left the origin, no errors");
} finally {
  await browser.close();
  await rm(userDataDir, { recursive: true, force: true });
}
