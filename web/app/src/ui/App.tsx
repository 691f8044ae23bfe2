// The screens: log in or sign up while signed out; else the conversation
// list beside the open conversation (one pane at a time at phone width), the
// status line, and the new-chat dialog. App itself re-renders only when the
// user, the open conversation or the dialog changes: each part reads the
// signals it shows.
import { outbox } from "../state/outbox";
import { me } from "../state/session";
import { newChatOpen, notice, online, openId } from "../state/ui";
import { Auth } from "./Auth";
import { ConversationView } from "./Conversation";
import { ChatIcon } from "./icons";
import { NewChat } from "./NewChat";
import { Sidebar } from "./Sidebar";

export function App() {
  if (!me.value) return <Auth />;
  const id = openId.value;
  return (
    <div class={`shell${id ? " has-open" : ""}`}>
      <header class="app-head">
        <h1 class="visually-hidden">messenger</h1>
        <Status />
      </header>
      <Sidebar />
      <main class="conversation" aria-label="Conversation">
        {id ? <ConversationView key={id} id={id} /> : <Empty />}
      </main>
      {newChatOpen.value ? <NewChat /> : null}
    </div>
  );
}

function Empty() {
  return (
    <div class="empty">
      <span class="logo" aria-hidden="true">
        <ChatIcon />
      </span>
      <p>Choose a conversation, or start one.</p>
      <button type="button" class="quiet" onClick={() => (newChatOpen.value = true)}>
        Start a new chat
      </button>
    </div>
  );
}

function Status() {
  const waiting = outbox.value.filter((p) => p.status !== "failed").length;
  const text = !online.value
    ? `Offline: reconnecting…${waiting ? ` ${waiting} message${waiting > 1 ? "s" : ""} will be sent when back online.` : ""}`
    : notice.value;
  return (
    <section class={`status${text ? "" : " quiet-status"}`} aria-label="Status">
      <p role="status">{text}</p>
      {text && online.value ? (
        <button type="button" class="icon-button small" onClick={() => (notice.value = "")}>
          <span aria-hidden="true">×</span>
          <span class="visually-hidden">Dismiss</span>
        </button>
      ) : null}
    </section>
  );
}
