// One conversation: its header (with a group's members panel), its messages
// (older ones load when scrolled to the top, or with the button there; the
// viewer's own can be edited and deleted, and show a read tick), the
// optimistic bubbles of our unsent ones, who is typing, and the message box.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { conversationName } from "../state/conversations";
import { deleteMessage, editMessage, loadOlder } from "../state/messages";
import { discard, retry, send } from "../state/outbox";
import { readBy } from "../state/receipts";
import { sent, stoppedTyping, typers, typing } from "../state/typing";
import { state, type Conversation, type Message, type Pending } from "../store";
import { Members } from "./Members";

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

function time(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : timeFormat.format(d);
}

export function MessageView({ conversationId, conversation }: { conversationId: string; conversation?: Conversation }) {
  const page = state.messages.get(conversationId);
  const items = page?.items ?? [];
  const stored = new Set(items.map((m) => m.clientMessageId).filter(Boolean));
  const pending = state.outbox.filter((p) => p.conversationId === conversationId && !stored.has(p.clientMessageId));
  const list = useRef<HTMLUListElement>(null);
  const [editing, setEditing] = useState("");
  // Where the view was: stuck to the bottom, or at a distance from it.
  const anchor = useRef({ bottom: true, fromBottom: 0, first: "" });

  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const a = anchor.current;
    const first = items[0]?.id ?? "";
    if (a.bottom) el.scrollTop = el.scrollHeight;
    else if (first !== a.first) el.scrollTop = el.scrollHeight - a.fromBottom; // older ones came in above
    a.first = first;
  });

  const onScroll = () => {
    const el = list.current!;
    const fromBottom = el.scrollHeight - el.scrollTop;
    anchor.current.fromBottom = fromBottom;
    anchor.current.bottom = fromBottom - el.clientHeight < 40;
    if (el.scrollTop < 80 && page?.hasPrevious) void loadOlder(conversationId);
  };

  return (
    <>
      <header class="conversation-head">
        <a class="back" href="#">
          Back<span class="visually-hidden"> to conversations</span>
        </a>
        <h2>{conversation ? conversationName(conversation) : "Conversation"}</h2>
        {conversation?.kind === "GROUP" ? <Members conversation={conversation} /> : null}
      </header>
      <ul class="messages" aria-label="Messages" role="list" ref={list} onScroll={onScroll} tabIndex={0}>
        {page?.hasPrevious ? (
          <li class="older">
            <button type="button" disabled={page.loadingOlder} onClick={() => void loadOlder(conversationId)}>
              {page.loadingOlder ? "Loading…" : "Load older messages"}
            </button>
          </li>
        ) : null}
        {page?.loading && items.length === 0 ? <li class="note">Loading…</li> : null}
        {page && !page.loading && items.length === 0 && pending.length === 0 ? (
          <li class="note">No messages yet. Say hello!</li>
        ) : null}
        {items.map((m, i) => (
          <Bubble
            key={m.id}
            m={m}
            conversation={conversation}
            same={items[i - 1]?.sender.id === m.sender.id}
            editing={editing === m.id}
            setEditing={(on) => setEditing(on ? m.id : "")}
          />
        ))}
        {pending.map((p) => (
          <PendingBubble key={p.clientMessageId} p={p} />
        ))}
      </ul>
      <Typing conversationId={conversationId} />
      <Composer conversationId={conversationId} />
    </>
  );
}

function Bubble({
  m,
  conversation,
  same,
  editing,
  setEditing,
}: {
  m: Message;
  conversation?: Conversation;
  same: boolean;
  editing: boolean;
  setEditing: (on: boolean) => void;
}) {
  const group = conversation?.kind === "GROUP";
  const readers = m.mine && !m.deletedAt ? readBy(conversation, m.seq) : [];
  const deleted = !!m.deletedAt;
  // Back from the edit form (saved or cancelled), the keyboard's focus returns to "Edit".
  const editButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  useEffect(() => {
    if (wasEditing.current && !editing) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);
  return (
    <li
      class={`msg${m.mine ? " mine" : ""}${deleted ? " deleted" : ""}`}
      data-id={m.id}
      data-seq={m.seq}
      data-edited={m.editedAt && !deleted ? "true" : undefined}
      data-deleted={deleted ? "true" : undefined}
      data-read={m.mine && !deleted ? String(readers.length > 0) : undefined}
    >
      {group && !m.mine && !same ? <span class="who">{m.sender.displayName}</span> : null}
      <span class="visually-hidden">{m.mine ? "You" : m.sender.displayName}: </span>
      {deleted ? (
        <span class="tombstone">message deleted</span>
      ) : editing ? (
        <EditForm m={m} done={() => setEditing(false)} />
      ) : (
        <span class="text">{m.content}</span>
      )}
      <span class="meta">
        {m.editedAt && !deleted ? <span class="edited">edited</span> : null}
        <time dateTime={m.createdAt}>{time(m.createdAt)}</time>
        {m.mine && !deleted ? (
          <span class={`tick${readers.length ? " read" : ""}`}>
            <span aria-hidden="true">{readers.length ? "✓✓" : "✓"}</span>
            <span class="visually-hidden">{readers.length ? `Read by ${readers.join(", ")}` : "Sent"}</span>
          </span>
        ) : null}
      </span>
      {m.mine && !deleted && !editing ? (
        <span class="tools">
          <button type="button" class="secondary small" ref={editButton} onClick={() => setEditing(true)}>
            Edit
          </button>
          <button type="button" class="secondary small" onClick={() => void deleteMessage(m)}>
            Delete
          </button>
        </span>
      ) : null}
    </li>
  );
}

function EditForm({ m, done }: { m: Message; done: () => void }) {
  const [text, setText] = useState(m.content);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLTextAreaElement>(null);
  useLayoutEffect(() => field.current?.focus(), []);
  const save = async () => {
    if (!text.trim() || busy) return;
    setBusy(true);
    const ok = await editMessage(m, text);
    setBusy(false);
    if (ok) done();
  };
  const id = `edit-${m.id}`;
  return (
    <form
      class="edit"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label for={id} class="visually-hidden">
        Edit message
      </label>
      <textarea
        id={id}
        ref={field}
        rows={2}
        maxLength={4000}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") done();
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void save();
          }
        }}
      />
      <span class="fix">
        <button type="submit" class="small" disabled={busy || !text.trim()}>
          Save
        </button>
        <button type="button" class="secondary small" onClick={done}>
          Cancel
        </button>
      </span>
    </form>
  );
}

function Typing({ conversationId }: { conversationId: string }) {
  const who = typers(conversationId).map((u) => u.displayName);
  const text =
    who.length === 0 ? "" : who.length === 1 ? `${who[0]} is typing…` : `${who.slice(0, -1).join(", ")} and ${who[who.length - 1]} are typing…`;
  return (
    <p class="typing" role="status" aria-live="polite">
      {text}
    </p>
  );
}

function PendingBubble({ p }: { p: Pending }) {
  return (
    <li class={`msg mine pending ${p.status}`} data-client-message-id={p.clientMessageId}>
      <span class="text">{p.content}</span>
      <span class="state">
        {p.status === "sending" ? "Sending…" : p.status === "waiting" ? "Waiting for network…" : `Not sent: ${p.error}`}
      </span>
      {p.status === "failed" ? (
        <span class="fix">
          <button type="button" onClick={() => retry(p)}>
            Retry
          </button>
          <button type="button" class="secondary" onClick={() => discard(p)}>
            Discard
          </button>
        </span>
      ) : null}
    </li>
  );
}

function Composer({ conversationId }: { conversationId: string }) {
  const [text, setText] = useState("");
  const submit = () => {
    if (!text.trim()) return;
    send(conversationId, text);
    sent(conversationId);
    setText("");
  };
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label for="message" class="visually-hidden">
        Message
      </label>
      <textarea
        id="message"
        rows={1}
        maxLength={4000}
        placeholder="Write a message"
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value);
          if (e.currentTarget.value.trim()) typing(conversationId);
          else stoppedTyping(conversationId);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <button type="submit">Send</button>
    </form>
  );
}
