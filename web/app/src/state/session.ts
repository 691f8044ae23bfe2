// Signing up, logging in and out. The access token is kept in localStorage,
// so that the tabs of one browser share the session (and a log out in one
// ends it in all); the page's Content-Security-Policy allows no script but
// the app's own, which is what keeps the token from other scripts.
import { client, errorCode, setToken } from "../api";
import { LogInDocument, LogOutDocument, MeDocument, SignUpDocument } from "../gql/graphql";
import { startStream, stopStream } from "../live/stream";
import { state, update, type User } from "../store";
import { loadConversations } from "./conversations";
import { restoreOutbox } from "./outbox";

const tokenKey = "messenger.token";

function begin(token: string, me: User): void {
  setToken(token);
  update((s) => {
    s.token = token;
    s.me = me;
    s.notice = "";
  });
  startStream(expire);
  void loadConversations();
  restoreOutbox();
}

function end(): void {
  stopStream();
  setToken("");
  update((s) => {
    s.token = "";
    s.me = null;
    s.conversations = new Map();
    s.conversationsLoaded = false;
    s.messages = new Map();
    s.outbox = [];
    s.readers = new Map();
    s.typing = new Map();
    s.openId = "";
  });
  if (location.hash) history.replaceState(null, "", location.pathname);
}

/** The session ended on the server (logged out elsewhere, expired). */
function expire(): void {
  localStorage.removeItem(tokenKey);
  end();
  update((s) => {
    s.notice = "Your session has ended. Please log in again.";
  });
}

function messageOf(error: { graphQLErrors: { message: string }[]; message: string } | undefined): string {
  return error?.graphQLErrors[0]?.message ?? error?.message ?? "Something went wrong";
}

/** Resumes the session saved in this browser, if any; false when there is none. */
export async function resume(): Promise<boolean> {
  const token = localStorage.getItem(tokenKey);
  if (!token) return false;
  setToken(token);
  const res = await client.query(MeDocument, {}).toPromise();
  if (res.data) {
    begin(token, res.data.me);
    return true;
  }
  if (res.error && errorCode(res.error) === "NETWORK") {
    update((s) => void (s.notice = "The server cannot be reached."));
    return false;
  }
  localStorage.removeItem(tokenKey);
  setToken("");
  return false;
}

export async function logIn(username: string, password: string): Promise<string | null> {
  const res = await client.mutation(LogInDocument, { input: { username, password } }).toPromise();
  if (!res.data) return messageOf(res.error);
  localStorage.setItem(tokenKey, res.data.logIn.token);
  begin(res.data.logIn.token, res.data.logIn.user);
  return null;
}

export async function signUp(username: string, password: string, displayName: string): Promise<string | null> {
  const input = { username, password, ...(displayName.trim() ? { displayName: displayName.trim() } : {}) };
  const res = await client.mutation(SignUpDocument, { input }).toPromise();
  if (!res.data) return messageOf(res.error);
  localStorage.setItem(tokenKey, res.data.signUp.token);
  begin(res.data.signUp.token, res.data.signUp.user);
  return null;
}

export async function logOut(): Promise<void> {
  await client.mutation(LogOutDocument, {}).toPromise(); // ends it on the server, every tab's streams too
  localStorage.removeItem(tokenKey);
  end();
}

// Another tab logged out (or in as someone else).
window.addEventListener("storage", (e) => {
  if (e.key !== tokenKey) return;
  if (!e.newValue && state.token) end();
  else if (e.newValue && e.newValue !== state.token) location.reload();
});
