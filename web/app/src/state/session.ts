// Signing up, logging in and out. The access token is kept in localStorage,
// so that the tabs of one browser share the session (and a log out in one
// ends it in all); the page's Content-Security-Policy allows no script but
// the app's own, which is what keeps the token from other scripts.
import { batch, signal } from "@preact/signals";
import { client, errorCode, errorMessage, setToken } from "../api";
import { LogInDocument, LogOutDocument, MeDocument, SignUpDocument } from "../gql/graphql";
import { startStream, stopStream } from "../live/stream";
import type { User } from "../types";
import { loadConversations, resetConversations } from "./conversations";
import { resetMessages } from "./messages";
import { resetOutbox, restoreOutbox } from "./outbox";
import { resetReceipts } from "./receipts";
import { resetTyping } from "./typing";
import { closeConversation, notice, online } from "./ui";

const tokenKey = "messenger.token";

/** The signed-in user, or null. */
export const me = signal<User | null>(null);
let token = "";

function begin(newToken: string, user: User): void {
  setToken(newToken);
  token = newToken;
  batch(() => {
    me.value = user;
    notice.value = "";
  });
  startStream(expire);
  void loadConversations();
  restoreOutbox();
}

function end(): void {
  stopStream();
  setToken("");
  token = "";
  batch(() => {
    me.value = null;
    online.value = true;
    resetConversations();
    resetMessages();
    resetOutbox();
    resetReceipts();
    resetTyping();
    closeConversation();
  });
}

/** The session ended on the server (logged out elsewhere, expired). */
function expire(): void {
  localStorage.removeItem(tokenKey);
  end();
  notice.value = "Your session has ended. Please log in again.";
}

/** Resumes the session saved in this browser, if any; false when there is none. */
export async function resume(): Promise<boolean> {
  const saved = localStorage.getItem(tokenKey);
  if (!saved) return false;
  setToken(saved);
  const res = await client.query(MeDocument, {}).toPromise();
  if (res.data) {
    begin(saved, res.data.me);
    return true;
  }
  if (res.error && errorCode(res.error) === "NETWORK") {
    notice.value = "The server cannot be reached.";
    return false;
  }
  localStorage.removeItem(tokenKey);
  setToken("");
  return false;
}

/** Logs in; an error message, or null. */
export async function logIn(username: string, password: string): Promise<string | null> {
  const res = await client.mutation(LogInDocument, { input: { username, password } }).toPromise();
  if (!res.data) return errorMessage(res.error);
  localStorage.setItem(tokenKey, res.data.logIn.token);
  begin(res.data.logIn.token, res.data.logIn.user);
  return null;
}

/** Creates the account and logs in; an error message, or null. */
export async function signUp(username: string, password: string, displayName: string): Promise<string | null> {
  const input = { username, password, ...(displayName.trim() ? { displayName: displayName.trim() } : {}) };
  const res = await client.mutation(SignUpDocument, { input }).toPromise();
  if (!res.data) return errorMessage(res.error);
  localStorage.setItem(tokenKey, res.data.signUp.token);
  begin(res.data.signUp.token, res.data.signUp.user);
  return null;
}

export async function logOut(): Promise<void> {
  await client.mutation(LogOutDocument, {}).toPromise(); // ends it on the server, every tab's streams too
  localStorage.removeItem(tokenKey);
  end();
}

/** Follows the other tabs of this browser (a log out, a log in as someone else); returns the function that stops. */
export function startSession(): () => void {
  const onStorage = (e: StorageEvent) => {
    if (e.key !== tokenKey) return;
    if (!e.newValue && token) end();
    else if (e.newValue && e.newValue !== token) location.reload();
  };
  window.addEventListener("storage", onStorage);
  return () => window.removeEventListener("storage", onStorage);
}
