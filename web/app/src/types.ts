// The app's data types: the fragments the state modules keep (typed by
// graphql-codegen from src/operations.graphql) and the app's own records.
// Types only: importing this module does nothing.
import type { ConversationFieldsFragment, MessageFieldsFragment, UserFieldsFragment } from "./gql/graphql";

export type User = UserFieldsFragment;
export type Conversation = ConversationFieldsFragment;
export type Message = MessageFieldsFragment;

/** A message not yet stored by the server, shown as an optimistic bubble. */
export interface Pending {
  clientMessageId: string;
  conversationId: string;
  content: string;
  createdAt: string;
  /** sending: a request is out; waiting: for the network; failed: refused (error). */
  status: "sending" | "waiting" | "failed";
  error?: string;
}

/** The messages of one conversation that this tab has opened. */
export interface MessagePage {
  /** Ascending seq, each id once. */
  items: readonly Message[];
  hasPrevious: boolean;
  startCursor: string | null;
  loading: boolean;
  loadingOlder: boolean;
  error?: string;
}
