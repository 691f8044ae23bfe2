// The new-chat dialog: search people and start a direct conversation with
// one, or make a group (a name and the people in it, picked from the same
// search).
import { useState } from "preact/hooks";
import { createGroup, startDirect } from "../state/conversations";
import { go, newChatOpen } from "../state/ui";
import type { User } from "../types";
import { Dialog } from "./Dialog";
import { BackIcon, PeopleIcon } from "./icons";
import { Person, searchStatus, usePeopleSearch } from "./people";

export function NewChat() {
  const [mode, setMode] = useState<"direct" | "group">("direct");
  const close = () => (newChatOpen.value = false);
  return (
    <Dialog title={mode === "direct" ? "New chat" : "New group"} onClose={close} class="new-chat-dialog">
      {mode === "direct" ? <Direct onGroup={() => setMode("group")} close={close} /> : null}
      {mode === "group" ? <Group back={() => setMode("direct")} close={close} /> : null}
    </Dialog>
  );
}

function Direct({ onGroup, close }: { onGroup: () => void; close: () => void }) {
  const [query, setQuery] = useState("");
  const [error, setError] = useState("");
  const { users, searching, error: searchError } = usePeopleSearch(query);
  const start = async (u: User) => {
    setError("");
    try {
      const id = await startDirect(u.username);
      close();
      go(id);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <>
      <button type="button" class="list-button" onClick={onGroup}>
        <span class="avatar sm tool" aria-hidden="true">
          <PeopleIcon />
        </span>
        New group
      </button>
      <form
        role="search"
        class="search"
        onSubmit={(e) => {
          e.preventDefault();
          const exact = users.find((u) => u.username === query.trim().toLowerCase()) ?? users[0];
          if (exact) void start(exact);
        }}
      >
        <label for="new-chat-search">Search people</label>
        <input
          id="new-chat-search"
          type="search"
          autoComplete="off"
          autoCapitalize="none"
          spellcheck={false}
          placeholder="Name or username"
          autoFocus
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      </form>
      {users.length ? (
        <ul class="people" aria-label="People found" role="list">
          {users.map((u) => (
            <li key={u.id}>
              <button type="button" class="list-button" data-username={u.username} onClick={() => void start(u)}>
                <Person user={u} />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <p class="hint" role="status">
        {searchStatus(query, users.length, searching) || "Find people by their name or username."}
      </p>
      <p class="error" role="alert">
        {error || searchError}
      </p>
    </>
  );
}

function Group({ back, close }: { back: () => void; close: () => void }) {
  const [title, setTitle] = useState("");
  const [query, setQuery] = useState("");
  const [picked, setPicked] = useState<User[]>([]);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const { users, searching, error: searchError } = usePeopleSearch(query);
  const isPicked = (u: User) => picked.some((p) => p.id === u.id);
  const toggle = (u: User) => setPicked((list) => (isPicked(u) ? list.filter((p) => p.id !== u.id) : [...list, u]));
  const create = async () => {
    if (!title.trim() || picked.length === 0) return;
    setBusy(true);
    setError("");
    try {
      const id = await createGroup(
        title.trim(),
        picked.map((u) => u.username),
      );
      close();
      go(id);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <form
      class="new-group"
      onSubmit={(e) => {
        e.preventDefault();
        void create();
      }}
    >
      <button type="button" class="quiet back-to" onClick={back}>
        <BackIcon />
        Back to people
      </button>
      <label for="new-group-title">Group name</label>
      <input
        id="new-group-title"
        required
        maxLength={100}
        autoFocus
        value={title}
        onInput={(e) => setTitle(e.currentTarget.value)}
      />
      <fieldset>
        <legend>Members</legend>
        {picked.length ? (
          <ul class="chips" aria-label="Picked" role="list">
            {picked.map((u) => (
              <li key={u.id}>
                <button type="button" class="chip" onClick={() => toggle(u)}>
                  {u.displayName}
                  <span aria-hidden="true"> ×</span>
                  <span class="visually-hidden"> (remove)</span>
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p class="hint">Nobody yet: search below.</p>
        )}
        <label for="new-group-search">Add people</label>
        <input
          id="new-group-search"
          type="search"
          autoComplete="off"
          autoCapitalize="none"
          spellcheck={false}
          placeholder="Name or username"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
        {users.length ? (
          <ul class="people" aria-label="People found" role="list">
            {users.map((u) => (
              <li key={u.id}>
                <label class="list-button">
                  <input type="checkbox" data-username={u.username} checked={isPicked(u)} onChange={() => toggle(u)} />
                  <Person user={u} />
                </label>
              </li>
            ))}
          </ul>
        ) : null}
        <p class="hint" role="status">
          {searchStatus(query, users.length, searching)}
        </p>
      </fieldset>
      <button type="submit" class="primary wide" disabled={busy || !title.trim() || picked.length === 0}>
        Create group
      </button>
      <p class="error" role="alert">
        {error || searchError}
      </p>
    </form>
  );
}
