// The web app at /app/ in headless Chromium against a running messenger
// server (puppeteer-core, Debian's chromium). Run by TestWebAppInBrowser in
// server/webapp_test.go, which builds and starts the server:
//
//   APP_URL=http://127.0.0.1:8080 CHROMIUM=/usr/bin/chromium node test/app.test.mjs
//
// Log in and sign up are separate tabs (only sign-up asks for a display
// name). Alice and Bob each have a browser context (Bob two tabs of his).
// They sign up, Alice starts the chat from the "New chat" dialog, they chat
// (Enter sends, Shift+Enter is a new line; the list shows "You: " and the
// time), Bob's network is cut (CDP network emulation) while Alice sends three
// messages, and Bob sees exactly those three once restored, grouped under
// one "Today" separator; unread counts agree between Bob's tabs after one of
// them reads, and so do the read ticks of his messages; Alice sees hers
// ticked once he read them; Bob sees Alice typing, until her message, and
// again until it expires; her edit (from the message's menu, by keyboard:
// Enter, arrows, Enter saves and the focus returns to the menu's button) and
// her delete (menu and confirmation, by mouse) reach him live; Up in the
// empty composer edits her last message and Escape cancels; a right click and
// a long press open the menu; a message Bob sends offline arrives once; older
// messages load on scroll; a tab whose clock is a day ahead shows
// "Yesterday"; Carol joins for a group that Alice creates in the dialog
// (avatar and name once for consecutive messages), renames and removes her
// from, Bob adds her back and she leaves; Bob logs out from the account menu
// (by keyboard) in both his tabs and logs in again. The dark theme is
// rendered with prefers-color-scheme: dark emulated. axe-core finds no
// violation at desktop and phone width, in light and dark; no request leaves
// the origin. It writes screenshots to test/screenshots/ and prints the
// measures (never asserted) as "MEASURE name value" lines.
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
const desktop = { width: 1100, height: 700 };
const phone = { width: 390, height: 780 };
setTimeout(() => fail("timed out"), 230_000).unref();

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
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const run = Date.now().toString(36);
const names = { alice: `alice_${run}`, bob: `bob_${run}` };
const password = "password123";

// Selectors by role and accessible name: the test finds everything the way
// assistive technology does, so a missing label fails it.
const field = (name) => `::-p-aria([name="${name}"][role="textbox"])`;
const searchbox = (name) => `::-p-aria([name="${name}"][role="searchbox"])`;
const button = (name) => `::-p-aria([name="${name}"][role="button"])`;
const tab = (name) => `::-p-aria([name="${name}"][role="tab"])`;
const menuitem = (name) => `::-p-aria([name="${name}"][role="menuitem"])`;
const messages = '[aria-label="Messages"]';
const conversations = '[aria-label="Conversations"]';
const row = (id) => `${conversations} li[data-id="${id}"]`;

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
  await page.setViewport(desktop);
  page.streams = []; // graphql-sse requests: their bodies
  page.on("request", (req) => {
    const url = req.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith("data:")) foreign.push(`${label}: ${req.method()} ${url}`);
    if (req.method() === "POST" && /text\/event-stream/.test(req.headers().accept || ""))
      page.streams.push(req.postData() || "");
  });
  page.on("pageerror", (err) => {
    step(`${label}: page error: ${err.stack}`);
    problems.push(`${label}: page error: ${err.message}`);
  });
  page.on("console", (msg) => {
    // A request cut by the emulated outage is logged by Chromium as an error; those are expected.
    if (
      msg.type() === "error" &&
      !/ERR_INTERNET_DISCONNECTED|Failed to load resource|network error/i.test(msg.text())
    ) {
      problems.push(`${label}: console: ${msg.text()}`);
    }
  });
  await page.evaluateOnNewDocument(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return page;
}

/** The data-seq of the message whose text is text (-1 when none). */
const seqOf = (page, text) =>
  page.$$eval(
    `${messages} li[data-seq]`,
    (els, t) => Number(els.find((e) => e.querySelector(".text")?.textContent === t)?.dataset.seq ?? -1),
    text,
  );
const bubble = (seq) => `${messages} li[data-seq="${seq}"]`;
const typingText = (page) => page.$eval(".typing", (el) => el.textContent).catch(() => "");
const texts = (page) => page.$$eval(`${messages} li[data-seq] .text`, (els) => els.map((e) => e.textContent));
const waitText = (page, text) =>
  page.waitForFunction(
    (sel, t) => [...document.querySelectorAll(`${sel} li[data-seq] .text`)].some((e) => e.textContent === t),
    { polling: 100 },
    messages,
    text,
  );
const unread = (page, id) => page.$eval(row(id), (el) => Number(el.dataset.unread)).catch(() => -1);
const textOf = (page, selector) => page.$eval(selector, (el) => el.textContent).catch(() => null);
/** What has the keyboard's focus: its role (or tag), its name and the data-seq of its message row. */
const focused = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return {
      role: el?.getAttribute("role") || el?.tagName.toLowerCase(),
      name: el?.getAttribute("aria-label") || el?.textContent?.trim() || "",
      id: el?.id ?? "",
      seq: el?.closest("li[data-seq]")?.dataset.seq ?? "",
      value: el?.value ?? null,
    };
  });
const waitFocus = (page, fn, arg) => page.waitForFunction(fn, { polling: 50 }, arg);

/** Clicks the element of selector, once there. */
async function click(page, selector) {
  await (await page.waitForSelector(selector)).click();
}

async function send(page, text) {
  await click(page, field("Message"));
  await page.type(field("Message"), text);
  await click(page, button("Send"));
}

/** Opens the actions menu of the message row of selector with the mouse (hovered first: its button shows then). */
async function openMenu(page, selector) {
  const el = await page.waitForSelector(selector);
  await el.hover();
  await (await el.waitForSelector(button("Message actions"))).click();
  await page.waitForSelector(`${selector} [role="menu"]`);
}

async function signUp(page, username, displayName) {
  await page.goto(appURL, { waitUntil: "load" });
  await click(page, tab("Sign up"));
  await page.type(field("Display name"), displayName);
  await page.type(field("Username"), username);
  await page.type(field("Password"), password);
  await click(page, button("Create account"));
  await page.waitForSelector(button("New chat"));
}

const offline = (page) => page.emulateNetworkConditions({ offline: true, download: -1, upload: -1, latency: 0 });
const online = (page) => page.emulateNetworkConditions(null);
const dark = (page) => page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
const light = (page) => page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "light" }]);
/** The relative luminance of the computed background colour of selector (0 black … 1 white). */
const luminance = (page, selector) =>
  page.$eval(selector, (el) => {
    const [r, g, b] = getComputedStyle(el)
      .backgroundColor.match(/[\d.]+/g)
      .slice(0, 3)
      .map((v) => {
        const c = Number(v) / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  });

const axeSource = await readFile(path.join(here, "../node_modules/axe-core/axe.min.js"), "utf8");
/** Runs axe-core in the page; every violation, whatever its impact, is a problem. */
async function axe(page, label) {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await globalThis.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3),
    }));
  });
  for (const v of violations) step(`axe ${label}: ${v.impact} ${v.id} ${v.nodes.join(", ")}`);
  if (violations.length) problems.push(`axe ${label}: ${JSON.stringify(violations)}`);
}
/** axe and a screenshot at desktop and phone width, in light and dark; back to light desktop after. */
async function everyWay(page, label, name) {
  for (const [scheme, apply] of [
    ["light", light],
    ["dark", dark],
  ]) {
    await apply(page);
    for (const [width, viewport] of [
      ["desktop", desktop],
      ["phone", phone],
    ]) {
      await page.setViewport(viewport);
      await axe(page, `${label}, ${width}, ${scheme}`);
      await shot(page, `${name}${width === "phone" ? "-phone" : ""}${scheme === "dark" ? "-dark" : ""}`);
    }
  }
  await light(page);
  await page.setViewport(desktop);
}

await rm(shots, { recursive: true, force: true });
await mkdir(shots, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(shots, `${name}.png`) });

try {
  const aliceContext = await browser.createBrowserContext();
  const bobContext = await browser.createBrowserContext();
  const alice = await newTab(aliceContext, "alice");
  const bob = await newTab(bobContext, "bob");

  // Log in and sign up: separate tabs, the display name only on sign-up;
  // first render, axe in both themes and widths, screenshots.
  await alice.goto(appURL, { waitUntil: "load" });
  await alice.waitForSelector(field("Username"));
  measure(
    "first_render_ms",
    Math.round(await alice.evaluate(() => performance.getEntriesByName("app:first-render")[0].startTime)),
    "ms",
  );
  check(!(await alice.$(field("Display name"))), "the log-in form asks for a display name");
  check(!!(await alice.$(button("Log in"))) && !(await alice.$(button("Create account"))), "log-in's buttons");
  await everyWay(alice, "log-in", "login");
  await alice.focus(tab("Log in"));
  await alice.keyboard.press("ArrowRight"); // WAI-ARIA tabs: the arrows move between them
  await alice.waitForSelector(field("Display name"));
  check(
    (await alice.$eval(tab("Sign up"), (el) => el.getAttribute("aria-selected"))) === "true" &&
      (await focused(alice)).name === "Sign up",
    "the arrow did not select and focus the sign-up tab",
  );
  await everyWay(alice, "sign-up", "signup");
  step("log in and sign up are separate tabs; only sign-up asks for a display name");

  await signUp(alice, names.alice, "Alice");
  await signUp(bob, names.bob, "Bob");
  step("alice and bob signed up in the app");

  // Alice starts a direct conversation from the "New chat" dialog.
  await click(alice, button("New chat"));
  await alice.waitForSelector("dialog[open]");
  check((await focused(alice)).id === "new-chat-search", "the dialog's search has not the focus");
  await alice.type(searchbox("Search people"), names.bob);
  await alice.waitForSelector(`dialog button[data-username="${names.bob}"]`);
  await axe(alice, "new chat");
  await shot(alice, "new-chat");
  await click(alice, `dialog button[data-username="${names.bob}"]`);
  await alice.waitForFunction(() => location.hash.startsWith("#/c/") && !document.querySelector("dialog[open]"));
  const conv = decodeURIComponent((await alice.evaluate(() => location.hash)).slice(4));
  await send(alice, "hello bob");
  await waitText(alice, "hello bob");
  await alice.waitForFunction(
    (sel) => document.querySelector(`${sel} .last`)?.textContent === "You: hello bob",
    { polling: 100 },
    row(conv),
  );
  step(`alice started conversation ${conv} from the new-chat dialog and wrote`);

  // Bob's list shows it live, unread, with its time and preview; he opens it
  // and answers on two lines (Shift+Enter), sent with Enter.
  await bob.waitForSelector(`${row(conv)}[data-unread="1"]`);
  check((await bob.title()) === "(1) messenger", `bob's title is ${await bob.title()}`);
  check((await textOf(bob, `${row(conv)} .last`)) === "hello bob", "bob's preview of a direct message");
  check((await textOf(bob, `${row(conv)} .name`)) === "Alice", "bob's list names the conversation");
  check(
    (await textOf(bob, `${row(conv)} .when`)) === "now",
    `bob's list time: ${await textOf(bob, `${row(conv)} .when`)}`,
  );
  check((await textOf(bob, `${row(conv)} .avatar`)) === "A", "no initials avatar in bob's list");
  await shot(bob, "conversation-list");
  await click(bob, `${row(conv)} a`);
  await waitText(bob, "hello bob");
  await bob.waitForSelector(`${row(conv)}[data-unread="0"]`);
  await click(bob, field("Message"));
  await bob.type(field("Message"), "hi alice");
  await bob.keyboard.down("Shift");
  await bob.keyboard.press("Enter");
  await bob.keyboard.up("Shift");
  await bob.type(field("Message"), "how are you?");
  check((await bob.$eval(field("Message"), (el) => el.value)) === "hi alice\nhow are you?", "Shift+Enter sent");
  await bob.keyboard.press("Enter");
  const hiAliceText = "hi alice\nhow are you?";
  await waitText(alice, hiAliceText);
  await waitText(bob, hiAliceText);
  check((await bob.$eval(field("Message"), (el) => el.value)) === "", "the composer kept the sent text");
  step("bob read and answered on two lines (Shift+Enter, then Enter); alice saw it live");

  // Bob's network is cut while Alice sends three messages.
  const streamsBefore = bob.streams.length;
  await offline(bob);
  await bob.waitForSelector("::-p-text(Offline: reconnecting)");
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
  const want = ["hello bob", hiAliceText, ...cut];
  check(
    JSON.stringify(bobTexts) === JSON.stringify(want),
    `bob sees ${JSON.stringify(bobTexts)}, want ${JSON.stringify(want)}`,
  );
  const resumed = bob.streams.slice(streamsBefore);
  check(
    resumed.some((body) => /"after":"[^"]+"/.test(body)),
    `bob's stream did not resubscribe with after: the last cursor: ${JSON.stringify(resumed)}`,
  );
  const seqs = await bob.$$eval(`${messages} li[data-seq]`, (els) => els.map((e) => Number(e.dataset.seq)));
  check(
    seqs.every((s, i) => s === i + 1),
    `bob's seqs ${seqs}`,
  );
  step(`bob back online: the three once, in order (none while offline; resumed with after)`);

  // Date separators and grouping: one day (today) and Alice's three in one group.
  const days = await bob.$$eval(`${messages} .day-label`, (els) => els.map((e) => e.textContent));
  check(
    days.length >= 1 && days.at(-1) === "Today" && days.every((d) => d === "Today" || d === "Yesterday"),
    `bob's day separators: ${JSON.stringify(days)}`,
  );
  const starts = await bob.$$eval(`${messages} li[data-seq]`, (els) =>
    els.map((e) => `${e.querySelector(".text")?.textContent}:${e.dataset.groupStart === "true"}`),
  );
  check(
    JSON.stringify(starts.slice(-3)) === JSON.stringify(cut.map((t, i) => `${t}:${i === 0}`)),
    `alice's three are not one group in bob's view: ${JSON.stringify(starts)}`,
  );
  check(
    (await bob.$$(`${messages} li.msg.group-end`)).length === 3 &&
      (await bob.$$(`${messages} li.msg:not(.group-end) time`)).length === 2,
    "groups end where the sender changes",
  );
  check((await bob.$$(`${messages} li.msg .avatar`)).length === 0, "avatars in the messages of a direct conversation");
  step(`date separators ${JSON.stringify(days)}; alice's three messages grouped`);

  await everyWay(bob, "conversation", "conversation");
  // The dark theme is really dark: the page and the viewer's bubbles change colour.
  const lightBg = await luminance(bob, ".conversation");
  const lightMine = await luminance(bob, `${messages} li.mine .bubble`);
  await dark(bob);
  const darkBg = await luminance(bob, ".conversation");
  const darkMine = await luminance(bob, `${messages} li.mine .bubble`);
  await light(bob);
  check(lightBg > 0.7 && darkBg < 0.05 && darkMine !== lightMine, `luminance light ${lightBg}, dark ${darkBg}`);
  step(`the dark theme renders (background luminance ${lightBg.toFixed(2)} → ${darkBg.toFixed(3)})`);

  // Bob's second tab: the same session; unread counts agree after one reads.
  const bob2 = await newTab(bobContext, "bob tab 2");
  await bob2.goto(appURL, { waitUntil: "load" });
  await bob2.waitForSelector(row(conv));
  await bob.bringToFront();
  await bob.evaluate(() => {
    location.hash = "";
  }); // bob's first tab leaves the conversation
  await bob.waitForSelector("::-p-text(Choose a conversation)");
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
    await sleep(100);
  }
  check((await bob.title()) === (await bob2.title()), `titles ${await bob.title()} / ${await bob2.title()}`);
  check((await textOf(bob, `${row(conv)} .badge`)) === `${agreed} unread`, "bob's unread badge");
  await click(bob, `${row(conv)} a`);
  await waitText(bob, "unread two");
  await bob2.waitForSelector(`${row(conv)}[data-unread="0"]`);
  check((await unread(bob, conv)) === 0, "bob's first tab still counts unread");
  check((await bob2.title()) === "messenger", `bob's second tab's title is ${await bob2.title()}`);
  step(`bob's tabs agreed on ${agreed} unread, then on 0 after the first one read`);

  // Read ticks: Alice sees hers read once Bob read them; Bob his, which she read on screen.
  const unreadTwo = await seqOf(alice, "unread two");
  await alice.waitForSelector(`${bubble(unreadTwo)}[data-read="true"]`);
  const hiAlice = await seqOf(bob, hiAliceText);
  await bob.waitForSelector(`${bubble(hiAlice)}[data-read="true"]`);
  check(
    await alice.$$eval(`${messages} li[data-read]`, (els) => els.every((e) => e.dataset.read === "true")),
    "alice has an unread tick on a message bob read",
  );
  check(
    (await textOf(alice, `${bubble(unreadTwo)} .tick .visually-hidden`)) === "Read by Bob",
    "the read tick is not named for screen readers",
  );
  step("read ticks: alice sees bob read hers, bob sees alice read his");

  // Typing: Alice types without sending; Bob sees it, and it goes when her message comes.
  await click(alice, field("Message"));
  await alice.type(field("Message"), "almost there");
  await bob.waitForFunction(() => document.querySelector(".typing")?.textContent === "Alice is typing…", {
    polling: 100,
  });
  check(
    (await bob.$eval(".typing", (el) => el.getAttribute("role"))) === "status",
    "the typing indicator is no status",
  );
  check((await typingText(alice)) === "", `alice sees "${await typingText(alice)}" of herself`);
  await shot(bob, "typing");
  await click(alice, button("Send"));
  await waitText(bob, "almost there");
  await bob.waitForFunction(() => document.querySelector(".typing")?.textContent === "", { polling: 100 });
  // She types again and stops without sending: the indicator goes when it expires.
  await alice.type(field("Message"), "hm");
  await bob.waitForFunction(() => document.querySelector(".typing")?.textContent === "Alice is typing…", {
    polling: 100,
  });
  await alice.$eval(field("Message"), (el) => el.select());
  await alice.keyboard.press("Backspace");
  await bob.waitForFunction(() => document.querySelector(".typing")?.textContent === "", { polling: 200 });
  step("typing: bob saw alice typing, then her message and no indicator; again, until it expired");

  // Alice edits a message by keyboard alone: its menu's button, Enter opens
  // the menu on its first item, Escape closes it back to the button, the
  // arrows move to "Edit", Enter saves the edit; the focus returns to the button.
  const unreadOne = await seqOf(alice, "unread one");
  await alice.$eval(`${bubble(unreadOne)} button[aria-haspopup="menu"]`, (el) => el.focus());
  await alice.waitForFunction(
    (sel) => getComputedStyle(document.querySelector(`${sel} .msg-tools`)).opacity === "1",
    { polling: 50, timeout: 2_000 },
    bubble(unreadOne),
  ); // the message's menu button shows when it has the focus
  await alice.keyboard.press("Enter");
  await alice.waitForSelector(`${bubble(unreadOne)} [role="menu"]`);
  check((await focused(alice)).role === "menuitem", "the open menu has not the focus");
  await axe(alice, "message menu");
  await shot(alice, "message-menu");
  await alice.keyboard.press("Escape");
  await waitFocus(
    alice,
    (sel) =>
      !document.querySelector(`${sel} [role="menu"]`) &&
      document.activeElement?.closest(sel) &&
      document.activeElement.getAttribute("aria-haspopup") === "menu",
    bubble(unreadOne),
  );
  await alice.keyboard.press("ArrowDown"); // opens it again, on its first item
  await alice.waitForSelector(`${bubble(unreadOne)} [role="menu"]`);
  for (let i = 0; i < 3 && (await focused(alice)).name !== "Edit"; i++) await alice.keyboard.press("ArrowDown");
  check((await focused(alice)).name === "Edit", `the arrows reach ${JSON.stringify(await focused(alice))}`);
  await alice.keyboard.press("Enter");
  const editField = field("Edit message");
  await alice.waitForSelector(editField);
  check((await focused(alice)).value === "unread one", "the edit field has not the focus and the text");
  await alice.keyboard.down("Control");
  await alice.keyboard.press("a");
  await alice.keyboard.up("Control");
  await alice.keyboard.type("unread one, edited");
  await axe(alice, "editing a message");
  await shot(alice, "editing");
  await alice.keyboard.press("Enter"); // Enter saves
  await waitFocus(
    alice,
    (sel) => document.activeElement?.closest(sel) && document.activeElement.getAttribute("aria-haspopup") === "menu",
    bubble(unreadOne),
  ); // the keyboard's focus is back on the message's menu button
  await bob.waitForSelector(`${bubble(unreadOne)}[data-edited="true"]`);
  check((await textOf(bob, `${bubble(unreadOne)} .text`)) === "unread one, edited", "bob has not the edit");
  check((await textOf(bob, `${bubble(unreadOne)} .edited`)) === "edited", "bob sees no edited mark");
  step("alice edited by keyboard (menu: Enter, Escape, arrows; Enter saved; focus back on the menu's button)");

  // Up in the empty composer edits her last message; Escape cancels, back in the composer.
  const almost = await seqOf(alice, "almost there");
  await click(alice, field("Message"));
  await alice.keyboard.press("ArrowUp");
  await alice.waitForSelector(editField);
  check(
    (await focused(alice)).value === "almost there" && (await focused(alice)).seq === String(almost),
    `Up edits ${JSON.stringify(await focused(alice))}, not her last message`,
  );
  await alice.keyboard.type(" (no)");
  await alice.keyboard.press("Escape");
  await waitFocus(alice, () => document.activeElement?.id === "message");
  check(!(await alice.$(editField)), "Escape left the edit open");
  check((await textOf(alice, `${bubble(almost)} .text`)) === "almost there", "Escape saved the edit");
  step("Up in the empty composer edited her last message; Escape cancelled it, back in the composer");

  // A right click opens a message's menu too; she deletes her last one, asked first.
  await (await alice.waitForSelector(`${bubble(almost)} .bubble`)).click({ button: "right" });
  await alice.waitForSelector(`${bubble(almost)} [role="menu"]`);
  await alice.keyboard.press("Escape");
  await openMenu(alice, bubble(almost));
  await click(alice, `${bubble(almost)} ${menuitem("Delete")}`);
  await alice.waitForSelector("dialog[open]");
  await axe(alice, "delete confirmation");
  await shot(alice, "delete-confirm");
  await click(alice, `dialog ${button("Delete")}`);
  await bob.waitForSelector(`${bubble(almost)}[data-deleted="true"]`);
  check((await textOf(bob, bubble(almost))).includes("message deleted"), "bob sees no tombstone");
  check(!(await bob.$(`${bubble(almost)} .text`)), "bob still sees the deleted content");
  for (const page of [bob, bob2]) {
    await page.waitForFunction(
      (sel) => document.querySelector(`${sel} .last`)?.textContent === "message deleted",
      { polling: 100 },
      row(conv),
    );
  }
  await alice.waitForSelector(`${bubble(almost)}[data-deleted="true"]`);
  check(!(await alice.$(`${bubble(almost)} button[aria-haspopup="menu"]`)), "a tombstone has a menu");
  await shot(bob, "edit-delete");
  step("a right click opens the menu; alice's delete (confirmed) reached bob live, his tabs' lists too");

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
  check(
    resumedAgain.length > 0 && resumedAgain.every((body) => /"after":"[^"]+"/.test(body)),
    `bob's second resume: ${JSON.stringify(resumedAgain)}`,
  );
  step("the message sent offline arrived once; the stream resumed from its cursor again");

  // Older messages load on scroll: 40 more from Alice, then Bob's second
  // tab opens the conversation (its newest page) and scrolls to the top.
  const aliceToken = await alice.evaluate(() => localStorage.getItem("messenger.token"));
  /** Alice sends text to conversation c through the API, not the page. */
  const aliceSends = async (c, text) => {
    const res = await fetch(`${origin}/graphql`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${aliceToken}` },
      body: JSON.stringify({
        query: "mutation($c: ID!, $t: String!) { createMessage(input: {conversationId: $c, content: $t}) { seq } }",
        variables: { c, t: text },
      }),
    });
    const body = await res.json();
    check(res.ok && body.data?.createMessage?.seq > 0, `createMessage: ${res.status} ${JSON.stringify(body)}`);
  };
  for (let i = 1; i <= 40; i++) await aliceSends(conv, `history ${i}`);
  await bob2.bringToFront();
  await click(bob2, `${row(conv)} a`);
  await waitText(bob2, "history 40");
  const firstPage = (await texts(bob2)).length;
  for (let i = 0; i < 10 && !(await texts(bob2)).includes("hello bob"); i++) {
    await bob2.$eval(messages, (el) => {
      el.scrollTop = 0;
      el.dispatchEvent(new Event("scroll"));
    });
    await bob2
      .waitForFunction(
        (sel, n) => document.querySelectorAll(`${sel} li[data-seq]`).length > n,
        { polling: 100 },
        messages,
        firstPage,
      )
      .catch(() => {});
  }
  const all = await bob2.$$eval(`${messages} li[data-seq]`, (els) => els.map((e) => Number(e.dataset.seq)));
  check(
    all.length > firstPage && all[0] === 1 && all.every((s, i) => s === i + 1),
    `after scrolling up bob's second tab shows seqs ${all} (first page ${firstPage})`,
  );
  step(`older messages loaded on scroll: ${firstPage} then ${all.length}`);

  // Bob's two tabs agree on the read ticks of his messages (Alice read them on screen).
  const ticks = (page) =>
    page.$$eval(`${messages} li[data-read]`, (els) => els.map((e) => `${e.dataset.seq}:${e.dataset.read}`));
  const [bobsOwn, bobsOwn2] = [await ticks(bob), await ticks(bob2)];
  check(
    bobsOwn.length >= 2 &&
      JSON.stringify(bobsOwn) === JSON.stringify(bobsOwn2) &&
      bobsOwn.every((r) => r.endsWith(":true")),
    `bob's tabs' read ticks: ${bobsOwn} / ${bobsOwn2}`,
  );
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

  // A tab whose clock is a day ahead: today's messages are "Yesterday's", in the list too.
  const bob4 = await newTab(bobContext, "bob tab 4");
  await bob4.evaluateOnNewDocument((shift) => {
    const Real = Date;
    globalThis.Date = class extends Real {
      constructor(...args) {
        if (args.length === 0) super(Real.now() + shift);
        else super(...args);
      }
      static now() {
        return Real.now() + shift;
      }
    };
  }, 86_400_000);
  await bob4.goto(`${appURL}#/c/${encodeURIComponent(conv)}`, { waitUntil: "load" });
  await waitText(bob4, "history 40");
  const daysAhead = await bob4.$$eval(`${messages} .day-label`, (els) => els.map((e) => e.textContent));
  check(daysAhead.at(-1) === "Yesterday", `a day later the separators read ${JSON.stringify(daysAhead)}`);
  check((await textOf(bob4, `${row(conv)} .when`)) === "Yesterday", "a day later the list's time is not Yesterday");
  check(
    await bob4.$eval(`${messages} .day-label`, (el) => getComputedStyle(el).position === "sticky"),
    "the day separators are not sticky",
  );
  await bob4.close();
  step(`a day later the separators read ${JSON.stringify(daysAhead)}, the list "Yesterday"`);

  // A group: Alice creates it in the dialog with Bob and Carol; it reaches
  // their lists live with its first messages; she renames it and removes
  // Carol; Bob adds her back; Carol leaves.
  names.carol = `carol_${run}`;
  const carolContext = await browser.createBrowserContext();
  const carol = await newTab(carolContext, "carol");
  await signUp(carol, names.carol, "Carol");
  await alice.bringToFront();
  await click(alice, button("New chat"));
  await click(alice, button("New group"));
  await alice.type(field("Group name"), "Lunch");
  for (const name of [names.bob, names.carol]) {
    await alice.$eval(searchbox("Add people"), (el) => el.select());
    await alice.type(searchbox("Add people"), name);
    await click(alice, `dialog input[type="checkbox"][data-username="${name}"]`);
  }
  await alice.waitForFunction(() => document.querySelectorAll('dialog [aria-label="Picked"] li').length === 2);
  await axe(alice, "new group");
  await shot(alice, "new-group");
  await click(alice, button("Create group"));
  await alice.waitForFunction(
    (c) => location.hash.startsWith("#/c/") && location.hash !== `#/c/${encodeURIComponent(c)}`,
    {},
    conv,
  );
  const group = decodeURIComponent((await alice.evaluate(() => location.hash)).slice(4));
  await send(alice, "lunch at noon?");
  await waitText(alice, "lunch at noon?");
  await send(alice, "the usual place");
  await waitText(alice, "the usual place");
  await carol.waitForSelector(`${row(group)}[data-unread="2"]`);
  check(
    (await textOf(carol, `${row(group)} .last`)) === "Alice: the usual place",
    "a group's preview names its sender",
  );
  await bob.waitForSelector(row(group));
  step(`alice created group ${group} in the new-chat dialog; it reached bob's and carol's lists live`);

  await click(alice, button("Group info"));
  await alice.waitForSelector(`[aria-label="Members"] li[data-username="${names.carol}"]`);
  await axe(alice, "group info");
  await shot(alice, "group-info");
  await alice.$eval(field("Group name"), (el) => el.select());
  await alice.type(field("Group name"), "Friday lunch");
  await click(alice, button("Rename"));
  const nameIn = (page, id) => textOf(page, `${row(id)} .name`);
  for (const page of [bob, carol]) {
    await page.waitForFunction(
      (sel) => document.querySelector(`${sel} .name`)?.textContent === "Friday lunch",
      { polling: 100 },
      row(group),
    );
  }
  step("the rename reached bob's and carol's lists live");

  await click(alice, button("Remove Carol"));
  await carol.waitForFunction((sel) => !document.querySelector(sel), { polling: 100 }, row(group));
  await alice.waitForFunction(
    (n) => !document.querySelector(`[aria-label="Members"] li[data-username="${n}"]`),
    { polling: 100 },
    names.carol,
  );
  step("alice removed carol: the group left carol's list");

  // Bob, not the owner, adds Carol back: no rename or remove for him. In his
  // view Alice's two messages are one group: her avatar and name once.
  await bob.bringToFront();
  await click(bob, `${row(group)} a`);
  await waitText(bob, "the usual place");
  check(
    (await bob.$$(`${messages} li.msg .avatar`)).length === 1 && (await bob.$$(`${messages} li.msg .who`)).length === 1,
    "alice's two messages show her avatar or name more than once",
  );
  check((await textOf(bob, `${messages} li.msg .who`)) === "Alice", "the group's sender name");
  await everyWay(bob, "group", "group");
  await click(bob, button("Group info"));
  await bob.waitForSelector(`[aria-label="Members"] li[data-username="${names.alice}"]`);
  check(!(await bob.$(button("Rename"))) && !(await bob.$(button("Remove Alice"))), "bob may rename or remove");
  await bob.type(searchbox("Add people"), names.carol);
  await click(bob, `[aria-label="People to add"] button[data-username="${names.carol}"]`);
  await carol.waitForSelector(row(group));
  check((await nameIn(carol, group)) === "Friday lunch", `carol's list names the group ${await nameIn(carol, group)}`);
  await alice.waitForSelector(`[aria-label="Members"] li[data-username="${names.carol}"]`);
  await bob.keyboard.press("Escape");
  await bob.waitForFunction(() => !document.querySelector("dialog[open]"));
  step("bob added carol back: the group is in her list again, with its new title");

  // Carol and Bob answer: the README's screenshots (docs/app.png, docs/app-dark.png) are Bob's view then.
  await carol.bringToFront();
  await click(carol, `${row(group)} a`);
  await waitText(carol, "lunch at noon?");
  await send(carol, "count me in");
  await waitText(bob, "count me in");
  await bob.bringToFront();
  await send(bob, "me too, see you there");
  await waitText(bob, "me too, see you there");
  await waitText(carol, "me too, see you there");
  await bob.waitForSelector(`${messages} li.mine[data-read="true"]`);
  check((await bob.$$(`${messages} li.msg .avatar`)).length === 2, "alice's and carol's avatars, once each");
  // Meanwhile Alice writes in the direct conversation, which no tab of Bob's has open: unread in his list.
  await bob2.evaluate(() => {
    location.hash = "";
  });
  await bob2.waitForSelector("::-p-text(Choose a conversation)");
  await aliceSends(conv, "See you at noon then");
  await bob.waitForSelector(`${row(conv)}[data-unread="1"]`);
  check(
    (await textOf(bob, `${row(conv)} .last`)) === "See you at noon then" &&
      (await textOf(bob, `${row(conv)} .badge`)) === "1 unread",
    "bob's list: the direct conversation's preview and badge",
  );
  check(
    JSON.stringify(await bob.$$eval(`${conversations} li`, (els) => els.map((e) => e.dataset.id))) ===
      JSON.stringify([conv, group]),
    "the list is not in order of activity",
  );
  await shot(bob, "app");
  await dark(bob);
  await shot(bob, "app-dark");
  await light(bob);

  // A long press (touch) opens a message's menu at phone width (Alice's: "Copy text").
  await bob.evaluate((c) => {
    location.hash = `#/c/${encodeURIComponent(c)}`;
  }, conv);
  await bob.setViewport({ ...phone, hasTouch: true, isMobile: true }); // puppeteer reloads the page for touch
  await waitText(bob, "history 40");
  const theirs = await seqOf(bob, "history 40");
  const box = await (await bob.waitForSelector(`${bubble(theirs)} .bubble`)).boundingBox();
  await bob.touchscreen.touchStart(box.x + box.width / 2, box.y + box.height / 2);
  await sleep(800);
  await bob.touchscreen.touchEnd();
  await bob.waitForSelector(`${bubble(theirs)} ${menuitem("Copy text")}`);
  check(!(await bob.$(`${bubble(theirs)} ${menuitem("Edit")}`)), "another's message can be edited");
  await shot(bob, "long-press-phone");
  await bob.keyboard.press("Escape");
  await bob.setViewport(desktop); // and again without touch
  await bob.waitForSelector(row(conv));
  step("a long press opened the message's menu at phone width");

  // Carol opens it and leaves, asked first.
  await carol.bringToFront();
  await click(carol, button("Group info"));
  await click(carol, button("Leave group"));
  await click(carol, `dialog ${button("Leave")}`);
  await carol.waitForFunction((sel) => !document.querySelector(sel), { polling: 100 }, row(group));
  await carol.waitForSelector("::-p-text(Choose a conversation)");
  await carol.waitForSelector("::-p-text(You left Friday lunch.)");
  await alice.waitForFunction(
    (n) => !document.querySelector(`[aria-label="Members"] li[data-username="${n}"]`),
    { polling: 100 },
    names.carol,
  );
  step("carol left: gone from her list and from alice's members");

  // Log out from the account menu, by keyboard: every tab of the browser is back at the log-in form.
  await bob.bringToFront();
  await bob.focus(button("Account"));
  await bob.keyboard.press("Enter");
  await bob.waitForSelector(menuitem("Log out"));
  check((await focused(bob)).name === "Log out", `the account menu's focus: ${JSON.stringify(await focused(bob))}`);
  await axe(bob, "account menu");
  await bob.keyboard.press("Enter");
  await bob.waitForSelector(field("Username"));
  await bob2.waitForSelector("#username");
  step("log out (account menu, keyboard): both of bob's tabs are back at the log-in form");

  // Log in again: a wrong password is refused, the right one brings his conversations back.
  await bob.type(field("Username"), names.bob);
  await bob.type(field("Password"), "not his password");
  await click(bob, button("Log in"));
  await bob.waitForFunction(() => document.querySelector('[role="alert"]')?.textContent.length > 0, { polling: 100 });
  await bob.$eval(field("Password"), (el) => el.select());
  await bob.type(field("Password"), password);
  await click(bob, button("Log in"));
  await bob.waitForSelector(row(conv));
  await bob.waitForSelector(row(group));
  step("bob logged in again (after a wrong password): his conversations are back");

  if (foreign.length) problems.push(...foreign.map((r) => `left the origin: ${r}`));
  if (problems.length) fail(problems.join("\n"));
  step("no request left the origin, no errors, no axe violations");
} finally {
  await browser.close();
  await rm(userDataDir, { recursive: true, force: true });
}
