// The message box: Enter sends, Shift+Enter starts a new line, Up in the
// empty box edits the viewer's last message. It grows with its text, keeps a
// draft per conversation while the tab lives, and tells the others that the
// viewer types. The place for attachments and a reply's preview is marked.
import { useLayoutEffect, useState } from "preact/hooks";
import { lastEditable } from "../logic/messages";
import { pageOf } from "../state/messages";
import { send } from "../state/outbox";
import { sent, stoppedTyping, typingIn } from "../state/typing";
import type { Message } from "../types";
import { SendIcon } from "./icons";

const drafts = new Map<string, string>();
const MAX_HEIGHT = 160;

function fit(el: HTMLTextAreaElement): void {
  el.style.height = "auto";
  el.style.height = `${Math.min(el.scrollHeight + 2, MAX_HEIGHT)}px`;
}

export function Composer({
  id,
  field,
  editLast,
}: {
  id: string;
  field: { current: HTMLTextAreaElement | null };
  editLast: (m: Message) => void;
}) {
  const [text, setText] = useState(() => drafts.get(id) ?? "");
  useLayoutEffect(() => {
    if (field.current) fit(field.current);
  }, [text]);
  const change = (value: string) => {
    setText(value);
    if (value) drafts.set(id, value);
    else drafts.delete(id);
  };
  const submit = () => {
    if (!text.trim()) return;
    send(id, text);
    sent(id);
    change("");
    field.current?.focus();
  };
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {/* A reply's preview and attachments go here. */}
      <label for="message" class="visually-hidden">
        Message
      </label>
      <textarea
        id="message"
        ref={field}
        rows={1}
        maxLength={4000}
        placeholder="Message"
        aria-describedby="composer-keys"
        value={text}
        onInput={(e) => {
          change(e.currentTarget.value);
          if (e.currentTarget.value.trim()) typingIn(id);
          else stoppedTyping(id);
        }}
        onKeyDown={(e) => {
          if (e.isComposing) return;
          if (e.key === "Enter" && !e.shiftKey) {
            e.preventDefault();
            submit();
          } else if (e.key === "ArrowUp" && !text && !e.shiftKey && !e.altKey && !e.metaKey && !e.ctrlKey) {
            const m = lastEditable(pageOf(id).peek().items);
            if (m) {
              e.preventDefault();
              editLast(m);
            }
          }
        }}
      />
      <button type="submit" class="send" disabled={!text.trim()}>
        <SendIcon />
        <span class="visually-hidden">Send</span>
      </button>
      <p id="composer-keys" class="composer-keys">
        <kbd>Enter</kbd> sends, <kbd>Shift</kbd>+<kbd>Enter</kbd> starts a new line, <kbd>↑</kbd> edits your last
        message
      </p>
    </form>
  );
}
