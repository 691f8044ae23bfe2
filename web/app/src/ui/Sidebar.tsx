// The left pane: the account menu, the "New chat" button and the
// conversation list (avatar, name, time of the last activity, preview of the
// last message, unread badge; most recent first).
import { useState } from "preact/hooks";
import { conversationName, preview } from "../logic/conversations";
import { listTime, parseTime } from "../logic/time";
import { conversationsLoaded, sortedConversations } from "../state/conversations";
import { logOut, me } from "../state/session";
import { typing } from "../state/typing";
import { conversationHref, newChatOpen, now, openId } from "../state/ui";
import type { Conversation } from "../types";
import { Avatar } from "./Avatar";
import { NewChatIcon } from "./icons";
import { memo } from "./memo";
import { Menu } from "./Menu";

export function Sidebar() {
  return (
    <nav class="sidebar" aria-label="Chats">
      <header class="side-head">
        <AccountMenu />
        <h2 class="side-title">Chats</h2>
        <button type="button" class="new-chat" onClick={() => (newChatOpen.value = true)}>
          <NewChatIcon />
          <span>New chat</span>
        </button>
      </header>
      <ConversationList />
    </nav>
  );
}

function AccountMenu() {
  const [open, setOpen] = useState(false);
  const user = me.value!;
  return (
    <Menu
      label="Account"
      buttonClass="account-button"
      button={<Avatar id={user.id} name={user.displayName} size="sm" />}
      open={open}
      setOpen={setOpen}
      align="start"
      head={
        <div class="menu-head">
          <Avatar id={user.id} name={user.displayName} />
          <span class="person">
            <span class="name">{user.displayName}</span>
            <span class="handle">@{user.username}</span>
          </span>
        </div>
      }
      items={[{ label: "Log out", onSelect: () => void logOut() }]}
    />
  );
}

function ConversationList() {
  const list = sortedConversations.value;
  const active = openId.value;
  const typers = typing.value;
  const t = now.value;
  if (conversationsLoaded.value && list.length === 0) {
    return (
      <div class="list-empty">
        <p>No conversations yet.</p>
        <p>Use “New chat” to find someone.</p>
      </div>
    );
  }
  return (
    <ul class="conversations" aria-label="Conversations" role="list">
      {list.map((c) => (
        <Row key={c.id} c={c} active={active === c.id} typing={(typers.get(c.id)?.length ?? 0) > 0} now={t} />
      ))}
    </ul>
  );
}

const Row = memo(function Row({
  c,
  active,
  typing,
  now,
}: {
  c: Conversation;
  active: boolean;
  typing: boolean;
  now: number;
}) {
  const name = conversationName(c);
  const { prefix, text } = preview(c);
  const at = parseTime(c.lastMessage?.createdAt ?? c.lastActivityAt);
  return (
    <li data-id={c.id} data-unread={c.unreadCount} class={c.unreadCount > 0 ? "unread" : undefined}>
      <a href={conversationHref(c.id)} aria-current={active ? "page" : undefined}>
        <Avatar id={c.otherParticipant?.id ?? c.id} name={name} />
        <span class="row-main">
          <span class="row-top">
            <span class="name">{name}</span>
            {Number.isFinite(at) ? (
              <time class="when" dateTime={new Date(at).toISOString()}>
                {listTime(at, now)}
              </time>
            ) : null}
          </span>
          <span class="row-bottom">
            <span class={`last${typing ? " hidden-by-typing" : ""}`}>
              {prefix ? <span class="prefix">{prefix}</span> : null}
              {text}
            </span>
            {typing ? <span class="row-typing">typing…</span> : null}
            {c.unreadCount > 0 ? (
              <span class="badge">
                {c.unreadCount}
                <span class="visually-hidden"> unread</span>
              </span>
            ) : null}
          </span>
        </span>
      </a>
    </li>
  );
});
