// A conversation's header: back to the list (phone width), its avatar, name
// and a line about it, and its actions on the right (a group's info). The
// places for what comes later: presence (a dot on the avatar, "online" or
// "last seen" in the line about it), search and pinned messages among the
// actions, the pinned message's bar under the header (in Conversation.tsx).
import { conversationName } from "../logic/conversations";
import type { Conversation } from "../types";
import { Avatar } from "./Avatar";
import { BackIcon, PeopleIcon } from "./icons";

export function ConversationHeader({
  id,
  conversation: c,
  openInfo,
}: {
  id: string;
  conversation: Conversation | undefined;
  openInfo: () => void;
}) {
  const name = c ? conversationName(c) : "Conversation";
  const group = c?.kind === "GROUP";
  const about = !c
    ? ""
    : group
      ? `${c.participants.length} members`
      : c.otherParticipant
        ? `@${c.otherParticipant.username}`
        : "";
  return (
    <header class="conv-head">
      <a class="back icon-button" href="#">
        <BackIcon />
        <span class="visually-hidden">Back to conversations</span>
      </a>
      <Avatar id={c?.otherParticipant?.id ?? id} name={name} />
      <div class="conv-title">
        <h2>{name}</h2>
        {/* Presence goes in this line. */}
        {about ? <p class="conv-about">{about}</p> : null}
      </div>
      <div class="conv-actions">
        {/* Search and pinned messages go here. */}
        {group ? (
          <button type="button" class="icon-button" onClick={openInfo}>
            <PeopleIcon />
            <span class="visually-hidden">Group info</span>
          </button>
        ) : null}
      </div>
    </header>
  );
}
