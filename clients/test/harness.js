// The shared harness of the client tests: the real server binary on a fresh
// SQLite database, a TCP proxy that a test cuts to drop a stream the way a
// network does, plain fetch helpers for the other party (the sender), and the
// drop-and-resume scenario every client runs.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import net from "node:net";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

/** How long a test waits for an expected event before it fails. */
export const EVENT_TIMEOUT_MS = 10_000;

/**
 * Starts the server binary named by MESSENGER_BIN (`make test-clients` builds
 * it) on 127.0.0.1:0 with an empty SQLite database and no rate limits in the
 * way, and resolves once its log says where it listens.
 * @returns {Promise<{url: string, port: number, stop: () => Promise<void>, log: () => string}>}
 */
export async function startServer() {
  const bin = process.env.MESSENGER_BIN;
  if (!bin) throw new Error("MESSENGER_BIN is not set: run the client tests with `make test-clients`");
  const dir = await mkdtemp(join(tmpdir(), "messenger-clients-"));
  const child = spawn(bin, [], {
    env: {
      ...process.env,
      MESSENGER_ADDR: "127.0.0.1:0",
      DATABASE_URL: `sqlite:${join(dir, "x.db")}`,
      MESSENGER_AUTH_RATE_PER_ADDRESS: "off",
      MESSENGER_AUTH_RATE_PER_USERNAME: "off",
      MESSENGER_MESSAGE_RATE: "off",
      MESSENGER_MUTATION_RATE: "off",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${log}`)), 30_000);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      log += chunk;
      const m = /msg=listening addr=127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}/graphql`,
    log: () => log,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      const code = await exited;
      await rm(dir, { recursive: true, force: true });
      assert.equal(code, 0, `server exited with ${code}:\n${log}`);
    },
  };
}

/**
 * A TCP proxy to 127.0.0.1:targetPort. cut() destroys every connection
 * through it, as a network outage or a dying load balancer would; each
 * connection records the first bytes the client sent (its request head).
 */
export async function startProxy(targetPort) {
  /** @type {Set<net.Socket>} */
  const sockets = new Set();
  /** @type {{head: string}[]} */
  const connections = [];
  const server = net.createServer((client) => {
    const conn = { head: "" };
    connections.push(conn);
    const upstream = net.connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.on("data", (b) => {
      if (conn.head.length < 8192) conn.head += b.toString("latin1");
    });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = /** @type {net.AddressInfo} */ (server.address());
  return {
    port,
    url: `http://127.0.0.1:${port}/graphql`,
    connections,
    /** The requests that went through the proxy whose head matches re. */
    requests: (re) => connections.map((c) => c.head).filter((h) => re.test(h)),
    cut() {
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** POSTs one GraphQL operation as plain JSON and returns its data; throws on errors. */
export async function gql(url, query, variables = {}, token = "") {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (!res.ok || body.errors) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body.data;
}

export const SIGN_UP = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token user { id username } } }`;
export const START_DIRECT = `mutation StartDirect($username: String!) { startDirectConversation(username: $username) { id } }`;
export const CREATE_MESSAGE = `mutation Send($input: CreateMessageInput!) { createMessage(input: $input) { seq } }`;
export const CREATE_TICKET = `mutation Ticket { createStreamTicket { ticket } }`;
export const ME = `query Me { me { id username } }`;
export const MESSAGE_CREATED = `subscription OnMessage($after: String) { messageCreated(after: $after) { id seq content } }`;

/** A fresh username (3 to 32 of a-z, 0-9 and _). */
export const username = (prefix) => `${prefix}_${randomBytes(5).toString("hex")}`;

/** The sign-up variables of a fresh user. */
export const signUpVars = (prefix) => ({ input: { username: username(prefix), password: "correct horse battery" } });

/**
 * The other party: signs Alice up with plain fetch, straight to the server,
 * starts her direct conversation with bob, and returns a send(content).
 */
export async function alice(serverUrl, bobUsername) {
  const { signUp } = await gql(serverUrl, SIGN_UP, signUpVars("alice"));
  const { startDirectConversation: conv } = await gql(serverUrl, START_DIRECT, { username: bobUsername }, signUp.token);
  return {
    async send(content) {
      await gql(serverUrl, CREATE_MESSAGE, { input: { conversationId: conv.id, content } }, signUp.token);
    },
  };
}

/** An error as a line of text, with a GraphQL error's details. */
export function describe(err) {
  if (Array.isArray(err)) return JSON.stringify(err);
  const extra = err?.errors ?? err?.graphQLErrors ?? err?.networkError?.message ?? err?.cause?.message;
  return `${err}${extra ? ` (${typeof extra === "string" ? extra : JSON.stringify(extra)})` : ""}`;
}

/** What a subscriber received: each message's content and the cursor it came with. */
export class Inbox {
  /** @type {{content: string, cursor: string}[]} */
  events = [];
  /** @type {unknown[]} */
  errors = [];
  #waiters = new Set();

  /** Records one event; a missing cursor fails the test. */
  push(content, cursor) {
    assert.equal(typeof content, "string", "event without messageCreated.content");
    assert.ok(typeof cursor === "string" && cursor !== "", `event ${JSON.stringify(content)} came without a cursor`);
    this.events.push({ content, cursor });
    this.#wake();
  }

  /** Records a stream error (a drop). */
  error(err) {
    this.errors.push(err);
    this.#wake();
  }

  #wake() {
    for (const w of this.#waiters) w();
  }

  /** Resolves once pred() holds; rejects after EVENT_TIMEOUT_MS. */
  async until(pred, what) {
    if (pred()) return;
    await new Promise((resolve, reject) => {
      const done = () => {
        if (!pred()) return;
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(done);
        reject(new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.contents())}, errors: ${this.errors.map(describe).join("; ")}`));
      }, EVENT_TIMEOUT_MS);
      timer.unref();
      this.#waiters.add(done);
    });
  }

  contents() {
    return this.events.map((e) => e.content);
  }

  last() {
    return this.events.at(-1);
  }

  /** Empties the inbox and returns what it held. */
  take() {
    const events = this.events;
    this.events = [];
    return events;
  }
}

/**
 * The scenario every client runs, with bob's stream already being opened:
 *
 * 1. Alice sends warm-up messages until bob's new stream gets one (a stream
 *    that has no cursor yet starts at "now", whenever the server reaches
 *    that point), then bob must get the rest of them, in order.
 * 2. drop(): the stream goes away (a cut connection, or the client ending it).
 * 3. Alice sends three messages that bob misses.
 * 4. resume(cursor): the client comes back after the last cursor it saw (a
 *    no-op for a client that resumes by itself).
 * 5. Bob must receive exactly the three missed messages, then a live one,
 *    and nothing else: no gap, no duplicate, in order.
 */
export async function dropAndResume({ send, inbox, drop, resume }) {
  const warmUps = [];
  for (let i = 1; inbox.events.length === 0; i++) {
    assert.ok(i <= 50, "the stream delivered none of 50 warm-up messages");
    assert.equal(inbox.errors.length, 0, `the stream failed: ${inbox.errors.map(describe).join("; ")}`);
    const content = `warm-up ${i}`;
    await send(content);
    warmUps.push(content);
    for (let t = 0; t < 10 && inbox.events.length === 0; t++) await sleep(20);
  }
  await inbox.until(() => inbox.contents().includes(warmUps.at(-1)), `the last warm-up message (${warmUps.at(-1)})`);
  const first = warmUps.indexOf(inbox.events[0].content);
  assert.ok(first >= 0, `unexpected first event ${inbox.events[0].content}`);
  assert.deepEqual(inbox.contents(), warmUps.slice(first), "before the drop: a gap or a duplicate");
  const lastCursor = inbox.last().cursor;

  await drop();
  await sleep(100); // let the server see the drop before the missed messages
  inbox.take();
  const missed = ["missed 1", "missed 2", "missed 3"];
  for (const content of missed) await send(content);
  await resume(lastCursor);

  await inbox.until(() => inbox.events.length >= missed.length, "the missed messages");
  await send("live 1");
  const expected = [...missed, "live 1"];
  await inbox.until(() => inbox.events.length >= expected.length, "the live message after the resume");
  await sleep(300); // a duplicate would arrive now
  assert.deepEqual(inbox.contents(), expected, "after the resume: not exactly the missed messages, then the live one");
  return { lastCursor };
}

/**
 * cutAndResubscribe runs dropAndResume for a client whose stream, cut by the
 * proxy, ends with an error that the client reports: subscribe(variables)
 * opens a subscription (returning something with unsubscribe()), the drop
 * waits for the client to report the cut, and the resume subscribes again
 * with after: the last cursor.
 */
export async function cutAndResubscribe({ t, name, send, inbox, proxy, subscribe }) {
  let sub = subscribe({});
  t.after(() => sub.unsubscribe());
  await dropAndResume({
    send,
    inbox,
    drop: async () => {
      const errors = inbox.errors.length;
      proxy.cut();
      await inbox.until(() => inbox.errors.length > errors, `${name} to report the cut stream`);
    },
    resume: async (cursor) => {
      sub.unsubscribe();
      sub = subscribe({ after: cursor });
    },
  });
}
