// A message row: the sender's avatar and name at the start of a group (in a
// group conversation), the bubble (text or tombstone, or the edit form;
// "edited", the time and the read tick), and the message's actions menu,
// which shows on hover or focus and opens on a right click or a long press.
// The places for what comes later are marked: a reply's quote and
// attachments in the bubble, mentions and links in its .text, reactions
// under it, more actions (Reply, React, Pin) in the menu.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { hue } from "../logic/avatar";
import { clockTime, fullTime, parseTime } from "../logic/time";
import { discard, retry } from "../state/outbox";
import { editMessage } from "../state/messages";
import type { Message, Pending } from "../types";
import { Avatar } from "./Avatar";
import { MoreIcon } from "./icons";
import { memo } from "./memo";
import { Menu, type MenuItem } from "./Menu";

const LONG_PRESS_MS = 500;

function rowClass(mine: boolean, start: boolean, end: boolean, extra = ""): string {
  return `msg${mine ? " mine" : ""}${start ? " group-start" : ""}${end ? " group-end" : ""}${extra}`;
}

export const Bubble = memo(function Bubble({
  m,
  group,
  start,
  end,
  readers,
  editing,
  startEdit,
  endEdit,
  askDelete,
}: {
  m: Message;
  /** Whether the conversation is a group (names and avatars of the others shown). */
  group: boolean;
  start: boolean;
  end: boolean;
  /** The other members who read it (the viewer's own messages), ", "-separated. */
  readers: string;
  /** Being edited, from the menu or the composer; "" when not. */
  editing: "" | "menu" | "composer";
  startEdit: (m: Message, from: "menu") => void;
  endEdit: () => void;
  askDelete: (m: Message) => void;
}) {
  const [menu, setMenu] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  // Back from an edit begun in the menu (saved or cancelled), the keyboard's focus returns to the menu's button.
  const was = useRef(editing);
  useEffect(() => {
    if (was.current === "menu" && !editing) trigger.current?.focus();
    was.current = editing;
  }, [editing]);
  const press = useRef<{ timer: ReturnType<typeof setTimeout>; x: number; y: number } | null>(null);
  const cancelPress = () => {
    if (press.current) clearTimeout(press.current.timer);
    press.current = null;
  };

  const deleted = !!m.deletedAt;
  const at = parseTime(m.createdAt);
  const name = m.sender.displayName;
  const read = readers !== "";
  // The message's actions; Reply, React and Pin go here too.
  const actions: MenuItem[] = [];
  if (!deleted && typeof navigator.clipboard?.writeText === "function")
    actions.push({ label: "Copy text", onSelect: () => void navigator.clipboard.writeText(m.content).catch(() => {}) });
  if (m.mine && !deleted) {
    actions.push({ label: "Edit", onSelect: () => startEdit(m, "menu") });
    actions.push({ label: "Delete", danger: true, onSelect: () => askDelete(m) });
  }
  const withMenu = actions.length > 0 && !editing;

  return (
    <li
      class={rowClass(m.mine, start, end, `${deleted ? " deleted" : ""}${menu ? " menu-open" : ""}`)}
      data-id={m.id}
      data-seq={m.seq}
      data-sender={m.sender.id}
      data-group-start={start ? "true" : undefined}
      data-edited={m.editedAt && !deleted ? "true" : undefined}
      data-deleted={deleted ? "true" : undefined}
      data-read={m.mine && !deleted ? String(read) : undefined}
      onContextMenu={
        withMenu
          ? (e) => {
              if ((e.target as Element).closest("textarea, a")) return;
              e.preventDefault();
              setMenu(true);
            }
          : undefined
      }
      onPointerDown={(e) => {
        if (e.pointerType !== "touch" || !withMenu) return;
        cancelPress();
        press.current = { timer: setTimeout(() => setMenu(true), LONG_PRESS_MS), x: e.clientX, y: e.clientY };
      }}
      onPointerMove={(e) => {
        const p = press.current;
        if (p && Math.hypot(e.clientX - p.x, e.clientY - p.y) > 10) cancelPress();
      }}
      onPointerUp={cancelPress}
      onPointerCancel={cancelPress}
    >
      {group && !m.mine ? (
        start ? (
          <Avatar id={m.sender.id} name={name} size="sm" />
        ) : (
          <span class="avatar-space" aria-hidden="true" />
        )
      ) : null}
      <div class="bubble" title={Number.isFinite(at) ? fullTime(at) : undefined}>
        {group && !m.mine && start ? <span class={`who hue-${hue(m.sender.id)}`}>{name}</span> : null}
        <span class="visually-hidden">{m.mine ? "You" : name}: </span>
        {/* A reply's quote goes here. */}
        {deleted ? (
          <span class="tombstone">message deleted</span>
        ) : editing ? (
          <EditForm m={m} done={endEdit} />
        ) : (
          <span class="text">{m.content}</span>
        )}
        {/* Attachments go here. */}
        <span class="meta">
          {m.editedAt && !deleted ? <span class="edited">edited</span> : null}
          <span class="stamp">
            <time dateTime={m.createdAt}>{Number.isFinite(at) ? clockTime(at) : ""}</time>
            {m.mine && !deleted ? (
              <span class={`tick${read ? " read" : ""}`}>
                <span aria-hidden="true">{read ? "✓✓" : "✓"}</span>
                <span class="visually-hidden">{read ? `Read by ${readers}` : "Sent"}</span>
              </span>
            ) : null}
          </span>
        </span>
      </div>
      {/* Reactions go here, under the bubble. */}
      {withMenu ? (
        <div class="msg-tools">
          <Menu
            label="Message actions"
            button={<MoreIcon />}
            items={actions}
            open={menu}
            setOpen={setMenu}
            align={m.mine ? "end" : "start"}
            buttonRef={trigger}
          />
        </div>
      ) : null}
    </li>
  );
});

function EditForm({ m, done }: { m: Message; done: () => void }) {
  const [text, setText] = useState(m.content);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLTextAreaElement>(null);
  useLayoutEffect(() => {
    const el = field.current!;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
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
        aria-describedby={`${id}-hint`}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            done();
          }
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void save();
          }
        }}
      />
      <span id={`${id}-hint`} class="visually-hidden">
        Enter saves, Escape cancels.
      </span>
      <span class="fix">
        <button type="button" class="quiet small" onClick={done}>
          Cancel
        </button>
        <button type="submit" class="primary small" disabled={busy || !text.trim()}>
          Save
        </button>
      </span>
    </form>
  );
}

export const PendingBubble = memo(function PendingBubble({
  p,
  start,
  end,
}: {
  p: Pending;
  start: boolean;
  end: boolean;
}) {
  return (
    <li class={rowClass(true, start, end, ` pending ${p.status}`)} data-client-message-id={p.clientMessageId}>
      <div class="bubble">
        <span class="visually-hidden">You: </span>
        <span class="text">{p.content}</span>
        <span class="meta">
          <span class="state">
            {p.status === "sending"
              ? "Sending…"
              : p.status === "waiting"
                ? "Waiting for network…"
                : `Not sent: ${p.error}`}
          </span>
        </span>
        {p.status === "failed" ? (
          <span class="fix">
            <button type="button" class="quiet small" onClick={() => discard(p)}>
              Discard
            </button>
            <button type="button" class="primary small" onClick={() => retry(p)}>
              Retry
            </button>
          </span>
        ) : null}
      </div>
    </li>
  );
});
