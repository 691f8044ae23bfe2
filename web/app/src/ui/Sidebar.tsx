// The conversation list (most recent activity first, unread counts, last
// message), and the forms that start a direct conversation or a group.
import { useEffect, useState } from "preact/hooks";
import { client } from "../api";
import { SearchUsersDocument } from "../gql/graphql";
import { conversationName, createGroup, sortedConversations, startDirect } from "../state/conversations";
import { state, type User } from "../store";

function go(id: string): void {
  location.hash = `#/c/${encodeURIComponent(id)}`;
}

export function Sidebar() {
  const conversations = sortedConversations();
  return (
    <nav class="sidebar" aria-label="Conversations and people">
      <NewDirect />
      <NewGroup />
      <h2 class="list-title" id="conversations-title">
        Conversations
      </h2>
      {state.conversationsLoaded && conversations.length === 0 ? (
        <p class="empty">No conversations yet: find someone above.</p>
      ) : null}
      <ul class="conversations" aria-label="Conversations" role="list">
        {conversations.map((c) => {
          const last = c.lastMessage;
          return (
            <li key={c.id} data-id={c.id} data-unread={c.unreadCount}>
              <a href={`#/c/${encodeURIComponent(c.id)}`} aria-current={state.openId === c.id ? "page" : undefined}>
                <span class="name">{conversationName(c)}</span>
                {c.unreadCount > 0 ? (
                  <span class="badge" aria-label={`${c.unreadCount} unread`}>
                    {c.unreadCount}
                  </span>
                ) : null}
                <span class="last">
                  {last
                    ? `${last.mine ? "You" : last.sender.displayName}: ${last.deletedAt ? "message deleted" : last.content}`
                    : "No messages yet"}
                </span>
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

function NewDirect() {
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<User[]>([]);
  const [error, setError] = useState("");

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setFound([]);
      return;
    }
    let live = true;
    const timer = setTimeout(async () => {
      const res = await client.query(SearchUsersDocument, { query: q }).toPromise();
      if (live) setFound((res.data?.searchUsers ?? []).filter((u) => u.id !== state.me?.id));
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [query]);

  const start = async (username: string) => {
    setError("");
    try {
      go(await startDirect(username));
      setQuery("");
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <form
      class="find"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        const exact = found.find((u) => u.username === query.trim().toLowerCase()) ?? found[0];
        if (exact) void start(exact.username);
      }}
    >
      <label for="find-user">Find a user</label>
      <input
        id="find-user"
        type="search"
        autoComplete="off"
        autoCapitalize="none"
        value={query}
        onInput={(e) => setQuery(e.currentTarget.value)}
      />
      {found.length ? (
        <ul class="people" aria-label="People found" role="list">
          {found.map((u) => (
            <li key={u.id}>
              <button type="button" data-username={u.username} onClick={() => void start(u.username)}>
                Chat with {u.displayName} <span class="handle">@{u.username}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}

function NewGroup() {
  const [title, setTitle] = useState("");
  const [members, setMembers] = useState("");
  const [error, setError] = useState("");
  return (
    <details class="new-group">
      <summary>New group</summary>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setError("");
          const usernames = members
            .split(/[\s,]+/)
            .map((u) => u.replace(/^@/, "").trim())
            .filter(Boolean);
          try {
            go(await createGroup(title.trim(), usernames));
            setTitle("");
            setMembers("");
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <label for="group-title">Group title</label>
        <input id="group-title" required maxLength={100} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
        <label for="group-members">Members</label>
        <input
          id="group-members"
          required
          autoCapitalize="none"
          aria-describedby="group-members-hint"
          value={members}
          onInput={(e) => setMembers(e.currentTarget.value)}
        />
        <p id="group-members-hint" class="hint">
          Usernames, separated by commas.
        </p>
        <button type="submit">Create group</button>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
      </form>
    </details>
  );
}
