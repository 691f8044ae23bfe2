// The screens: the log-in form while signed out, else the conversation list
// beside the open conversation (one at a time at phone width).
import { state } from "../store";
import { Auth } from "./Auth";
import { Sidebar } from "./Sidebar";
import { MessageView } from "./MessageView";
import { logOut } from "../state/session";

export function App() {
  if (!state.me) return <Auth />;
  const open = state.openId ? state.conversations.get(state.openId) : undefined;
  return (
    <div class={`shell${state.openId ? " has-open" : ""}`}>
      <header class="top">
        <h1 class="brand">messenger</h1>
        <span class="whoami">
          {state.me.displayName} <span class="handle">@{state.me.username}</span>
        </span>
        <button type="button" onClick={() => void logOut()}>
          Log out
        </button>
      </header>
      <ConnectionStatus />
      <Sidebar />
      <main class="conversation" aria-label="Conversation">
        {state.openId ? (
          <MessageView key={state.openId} conversationId={state.openId} conversation={open} />
        ) : (
          <p class="empty">Choose a conversation, or start one.</p>
        )}
      </main>
    </div>
  );
}

function ConnectionStatus() {
  const waiting = state.outbox.filter((p) => p.status !== "failed").length;
  const text = !state.online
    ? `Offline: reconnecting…${waiting ? ` ${waiting} message${waiting > 1 ? "s" : ""} will be sent when back online.` : ""}`
    : state.notice;
  return (
    <p class="status" role="status">
      {text}
    </p>
  );
}
