// One conversation: its header, its timeline (days, grouped messages, our
// optimistic bubbles), who is typing, and the composer. It holds which
// message is being edited (from its menu, or Up in the empty composer) and
// the question before a delete.
import { useComputed } from "@preact/signals";
import { useCallback, useRef, useState } from "preact/hooks";
import { deleteMessage } from "../state/messages";
import { conversations } from "../state/conversations";
import { typers } from "../state/typing";
import { typingText } from "../logic/people";
import type { Message } from "../types";
import { ConfirmDialog } from "./Dialog";
import { Composer } from "./Composer";
import { ConversationHeader } from "./ConversationHeader";
import { GroupInfo } from "./GroupInfo";
import { Timeline, type Editing } from "./Timeline";

export function ConversationView({ id }: { id: string }) {
  const conversation = useComputed(() => conversations.value.get(id)).value;
  const [editing, setEditing] = useState<Editing | null>(null);
  const [deleting, setDeleting] = useState<Message | null>(null);
  const [info, setInfo] = useState(false);
  const composer = useRef<HTMLTextAreaElement>(null);

  const startEdit = useCallback((m: Message, from: Editing["from"]) => setEditing({ id: m.id, from }), []);
  const endEdit = useCallback(() => {
    setEditing((e) => {
      if (e?.from === "composer") queueMicrotask(() => composer.current?.focus());
      return null;
    });
  }, []);
  const askDelete = useCallback((m: Message) => setDeleting(m), []);

  return (
    <>
      <ConversationHeader id={id} conversation={conversation} openInfo={() => setInfo(true)} />
      {/* The pinned message's bar goes here. */}
      <Timeline
        id={id}
        conversation={conversation}
        editing={editing}
        startEdit={startEdit}
        endEdit={endEdit}
        askDelete={askDelete}
      />
      <Typing id={id} />
      <Composer id={id} field={composer} editLast={(m) => startEdit(m, "composer")} />
      {info && conversation?.kind === "GROUP" ? (
        <GroupInfo conversation={conversation} onClose={() => setInfo(false)} />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title="Delete message?"
          text="It is deleted for everyone in the conversation, who will see that a message was deleted."
          confirm="Delete"
          onClose={() => setDeleting(null)}
          onConfirm={() => {
            const m = deleting;
            setDeleting(null);
            composer.current?.focus();
            void deleteMessage(m);
          }}
        />
      ) : null}
    </>
  );
}

function Typing({ id }: { id: string }) {
  const text = typingText(typers(id).map((u) => u.displayName));
  return (
    <p class="typing" role="status" aria-live="polite">
      {text}
    </p>
  );
}
