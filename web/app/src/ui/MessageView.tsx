// One conversation: its messages (older ones load when scrolled to the top,
// or with the button there), the optimistic bubbles of our unsent ones, and
// the message box.
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { conversationName } from "../state/conversations";
import { loadOlder } from "../state/messages";
import { discard, retry, send } from "../state/outbox";
import { state, type Conversation, type Message, type Pending } from "../store";

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
        {conversation?.kind === "GROUP" ? (
          <span class="members">{conversation.participants.map((p) => p.displayName).join(", ")}</span>
        ) : null}
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
          <Bubble key={m.id} m={m} group={conversation?.kind === "GROUP"} same={items[i - 1]?.sender.id === m.sender.id} />
        ))}
        {pending.map((p) => (
          <PendingBubble key={p.clientMessageId} p={p} />
        ))}
      </ul>
      <Composer conversationId={conversationId} />
    </>
  );
}

function Bubble({ m, group, same }: { m: Message; group: boolean; same: boolean }) {
  return (
    <li class={`msg${m.mine ? " mine" : ""}`} data-id={m.id} data-seq={m.seq}>
      {group && !m.mine && !same ? <span class="who">{m.sender.displayName}</span> : null}
      <span class="visually-hidden">{m.mine ? "You" : m.sender.displayName}: </span>
      <span class="text">{m.content}</span>
      <time dateTime={m.createdAt}>{time(m.createdAt)}</time>
    </li>
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
        onInput={(e) => setText(e.currentTarget.value)}
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
