// A conversation's messages: days under sticky separators, messages of one
// sender grouped, older pages loaded when scrolled to the top (or with the
// button there), the view kept at the bottom while it is there and in place
// when older messages come in above. It re-renders when this conversation's
// page, the outbox, its read markers or the day change; each message row only
// when its own props do.
import { useLayoutEffect, useRef } from "preact/hooks";
import { readers } from "../logic/people";
import { pendingIn } from "../logic/outbox";
import { buildTimeline } from "../logic/timeline";
import { loadOlder, pageOf } from "../state/messages";
import { outbox } from "../state/outbox";
import { markersOf } from "../state/receipts";
import { me } from "../state/session";
import { today } from "../state/ui";
import type { Conversation, Message } from "../types";
import { Bubble, PendingBubble } from "./Bubble";

export interface Editing {
  id: string;
  /** Where the edit began, where the keyboard's focus goes back when it ends. */
  from: "menu" | "composer";
}

let firstMessageMarked = false;

export function Timeline({
  id,
  conversation,
  editing,
  startEdit,
  endEdit,
  askDelete,
}: {
  id: string;
  conversation: Conversation | undefined;
  editing: Editing | null;
  startEdit: (m: Message, from: Editing["from"]) => void;
  endEdit: () => void;
  askDelete: (m: Message) => void;
}) {
  const page = pageOf(id).value;
  const markers = markersOf(id).value;
  const myId = me.value?.id ?? "";
  void today.value; // the labels change at midnight
  const items = page.items;
  const shown = new Set(items.map((m) => m.clientMessageId ?? ""));
  const pending = pendingIn(outbox.value, id, shown);
  const days = buildTimeline(items, pending, myId, Date.now());
  const group = conversation?.kind === "GROUP";
  const participants = conversation?.participants ?? [];

  const list = useRef<HTMLOListElement>(null);
  // Where the view was: stuck to the bottom, or at a distance from it.
  const anchor = useRef({ bottom: true, fromBottom: 0, first: "", pending: 0 });
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const a = anchor.current;
    const first = items[0]?.id ?? "";
    if (pending.length > a.pending) a.bottom = true; // the viewer just sent: show it
    if (a.bottom) el.scrollTop = el.scrollHeight;
    else if (first !== a.first) el.scrollTop = el.scrollHeight - a.fromBottom; // older ones came in above
    a.first = first;
    a.pending = pending.length;
    if (!firstMessageMarked && items.length) {
      firstMessageMarked = true;
      performance.mark("app:first-message");
    }
  });
  const onScroll = () => {
    const el = list.current!;
    const fromBottom = el.scrollHeight - el.scrollTop;
    anchor.current.fromBottom = fromBottom;
    anchor.current.bottom = fromBottom - el.clientHeight < 40;
    if (el.scrollTop < 80 && page.hasPrevious) void loadOlder(id);
  };

  return (
    <ol class="timeline" aria-label="Messages" role="list" ref={list} onScroll={onScroll} tabIndex={0}>
      {page.hasPrevious ? (
        <li class="older">
          <button type="button" class="quiet small" disabled={page.loadingOlder} onClick={() => void loadOlder(id)}>
            {page.loadingOlder ? "Loading…" : "Load older messages"}
          </button>
        </li>
      ) : null}
      {page.loading && items.length === 0 ? <li class="note">Loading…</li> : null}
      {!page.loading && items.length === 0 && pending.length === 0 ? (
        <li class="note">No messages yet. Say hello!</li>
      ) : null}
      {days.map((d) => (
        <li key={d.key} class="day" data-day={d.key}>
          <h3 class="day-label">
            <span>{d.label}</span>
          </h3>
          <ul class="day-messages" role="list">
            {d.entries.map((e) =>
              e.kind === "message" ? (
                <Bubble
                  key={e.key}
                  m={e.message}
                  group={group}
                  start={e.groupStart}
                  end={e.groupEnd}
                  readers={
                    e.message.mine && !e.message.deletedAt
                      ? readers(participants, markers, myId, e.message.seq).join(", ")
                      : ""
                  }
                  editing={editing?.id === e.message.id ? editing.from : ""}
                  startEdit={startEdit}
                  endEdit={endEdit}
                  askDelete={askDelete}
                />
              ) : (
                <PendingBubble key={e.key} p={e.pending} start={e.groupStart} end={e.groupEnd} />
              ),
            )}
          </ul>
        </li>
      ))}
    </ol>
  );
}
