// A group's members panel, in the conversation's header: who is in it (its
// owner marked), and the forms that add a member (anyone), remove one and
// rename the group (its owner), and leave it.
import { useState } from "preact/hooks";
import { addMembers, leaveGroup, removeMember, renameGroup } from "../state/members";
import { state, type Conversation } from "../store";

export function Members({ conversation: c }: { conversation: Conversation }) {
  const [adding, setAdding] = useState("");
  const [title, setTitle] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const owner = c.owner?.id === state.me?.id;

  const run = async (action: () => Promise<string | null>, after?: () => void) => {
    setBusy(true);
    setError("");
    const err = await action();
    setBusy(false);
    if (err) setError(err);
    else after?.();
  };

  return (
    <details class="members-panel">
      <summary>
        Members <span class="count">({c.participants.length})</span>
      </summary>
      <div class="panel">
        <ul class="member-list" aria-label="Members" role="list">
          {c.participants.map((p) => (
            <li key={p.id} data-username={p.username}>
              <span class="name">
                {p.displayName} <span class="handle">@{p.username}</span>
                {c.owner?.id === p.id ? <span class="role"> (owner)</span> : null}
              </span>
              {owner && p.id !== state.me?.id ? (
                <button
                  type="button"
                  class="secondary small"
                  disabled={busy}
                  aria-label={`Remove ${p.displayName}`}
                  onClick={() => void run(() => removeMember(c.id, p.username))}
                >
                  Remove
                </button>
              ) : null}
            </li>
          ))}
        </ul>
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            const names = adding
              .split(/[\s,]+/)
              .map((u) => u.replace(/^@/, "").trim())
              .filter(Boolean);
            if (names.length) void run(() => addMembers(c.id, names), () => setAdding(""));
          }}
        >
          <label for="add-member">Username to add</label>
          <span class="row">
            <input
              id="add-member"
              autoComplete="off"
              autoCapitalize="none"
              required
              value={adding}
              onInput={(e) => setAdding(e.currentTarget.value)}
            />
            <button type="submit" disabled={busy}>
              Add member
            </button>
          </span>
        </form>
        {owner ? (
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (title.trim()) void run(() => renameGroup(c.id, title), () => setTitle(""));
            }}
          >
            <label for="rename-group">New title</label>
            <span class="row">
              <input
                id="rename-group"
                required
                maxLength={100}
                placeholder={c.title ?? ""}
                value={title}
                onInput={(e) => setTitle(e.currentTarget.value)}
              />
              <button type="submit" disabled={busy}>
                Rename
              </button>
            </span>
          </form>
        ) : null}
        <button type="button" class="secondary leave" disabled={busy} onClick={() => void run(() => leaveGroup(c.id))}>
          Leave
        </button>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
      </div>
    </details>
  );
}
