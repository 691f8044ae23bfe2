// A group's info, in a dialog opened from its header: its name (the owner
// renames it), its members with their owner (the owner removes them), "Add
// people" (any member), and "Leave group" (asked first).
import { useState } from "preact/hooks";
import { conversationName } from "../logic/conversations";
import { addMembers, leaveGroup, removeMember, renameGroup } from "../state/members";
import { me } from "../state/session";
import type { Conversation, User } from "../types";
import { ConfirmDialog, Dialog } from "./Dialog";
import { Person, searchStatus, usePeopleSearch } from "./people";

export function GroupInfo({ conversation: c, onClose }: { conversation: Conversation; onClose: () => void }) {
  const myId = me.value?.id;
  const owner = c.owner?.id === myId;
  const [title, setTitle] = useState(c.title ?? "");
  const [query, setQuery] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const { users, searching } = usePeopleSearch(query);
  const members = new Set(c.participants.map((p) => p.id));
  const addable = users.filter((u) => !members.has(u.id));

  const run = async (action: () => Promise<string | null>, after?: () => void) => {
    setBusy(true);
    setError("");
    const err = await action();
    setBusy(false);
    if (err) setError(err);
    else after?.();
  };
  const add = (u: User) =>
    void run(
      () => addMembers(c.id, [u.username]),
      () => setQuery(""),
    );

  return (
    <Dialog title={conversationName(c)} onClose={onClose} class="group-info">
      <p class="dialog-about">Group · {c.participants.length} members</p>
      {owner ? (
        <form
          class="field-row"
          onSubmit={(e) => {
            e.preventDefault();
            if (title.trim() && title.trim() !== c.title) void run(() => renameGroup(c.id, title));
          }}
        >
          <label for="group-name">Group name</label>
          <span class="row">
            <input
              id="group-name"
              required
              maxLength={100}
              value={title}
              onInput={(e) => setTitle(e.currentTarget.value)}
            />
            <button type="submit" class="quiet" disabled={busy}>
              Rename
            </button>
          </span>
        </form>
      ) : null}
      <h3 class="section-title">Members</h3>
      <ul class="member-list" aria-label="Members" role="list">
        {c.participants.map((p) => (
          <li key={p.id} data-username={p.username}>
            <Person user={p} note={p.id === myId ? "(you)" : undefined} />
            {c.owner?.id === p.id ? <span class="role">owner</span> : null}
            {owner && p.id !== myId ? (
              <button
                type="button"
                class="quiet small"
                disabled={busy}
                onClick={() => void run(() => removeMember(c.id, p.username))}
              >
                Remove<span class="visually-hidden"> {p.displayName}</span>
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      <form
        role="search"
        class="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (addable[0]) add(addable[0]);
        }}
      >
        <label for="add-people">Add people</label>
        <input
          id="add-people"
          type="search"
          autoComplete="off"
          autoCapitalize="none"
          spellcheck={false}
          placeholder="Name or username"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      </form>
      {addable.length ? (
        <ul class="people" aria-label="People to add" role="list">
          {addable.map((u) => (
            <li key={u.id}>
              <button
                type="button"
                class="list-button"
                data-username={u.username}
                disabled={busy}
                onClick={() => add(u)}
              >
                <Person user={u} />
                <span class="list-action" aria-hidden="true">
                  Add
                </span>
                <span class="visually-hidden"> (add)</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <p class="hint" role="status">
        {searchStatus(query, addable.length, searching)}
      </p>
      <p class="error" role="alert">
        {error}
      </p>
      <div class="dialog-actions">
        <button type="button" class="danger-quiet" disabled={busy} onClick={() => setLeaving(true)}>
          Leave group
        </button>
      </div>
      {leaving ? (
        <ConfirmDialog
          title={`Leave ${conversationName(c)}?`}
          text="You will no longer see its messages. A member can add you back."
          confirm="Leave"
          onClose={() => setLeaving(false)}
          onConfirm={() => {
            setLeaving(false);
            void run(() => leaveGroup(c.id));
          }}
        />
      ) : null}
    </Dialog>
  );
}
