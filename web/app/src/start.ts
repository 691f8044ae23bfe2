// Everything the app does besides drawing, started in one place: main.tsx
// calls start() once. No module registers a handler or starts work when it is
// imported (ESLint's no-restricted-syntax rule in eslint.config.js keeps it so).
import { initApi } from "./api";
import { startConversations } from "./state/conversations";
import { startMessages } from "./state/messages";
import { startOutbox } from "./state/outbox";
import { startReceipts } from "./state/receipts";
import { resume, startSession } from "./state/session";
import { startTyping } from "./state/typing";
import { startUi } from "./state/ui";

/** Starts the app against the GraphQL endpoint; returns the function that stops it. */
export function start(endpoint: string): () => void {
  initApi(endpoint);
  const stops = [
    startUi(),
    startSession(),
    startConversations(),
    startMessages(),
    startReceipts(),
    startTyping(),
    startOutbox(),
  ];
  void resume();
  return () => {
    for (const stop of stops.reverse()) stop();
  };
}
