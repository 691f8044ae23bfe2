// A group's members and title: add (any member), remove and rename (its
// owner), leave. Each answer updates the list at once; the live events
// (ParticipantsChangedEvent, ConversationRenamedEvent) bring the same to the
// other members and to the viewer's other tabs.
import { client, errorMessage } from "../api";
import {
  AddParticipantsDocument,
  LeaveConversationDocument,
  RemoveParticipantDocument,
  RenameConversationDocument,
} from "../gql/graphql";
import { emitLiveEvent } from "../live/events";
import { applyConversation } from "./conversations";
import { me } from "./session";

/** Adds usernames to the group; an error message, or null. */
export async function addMembers(conversationId: string, usernames: string[]): Promise<string | null> {
  const res = await client.mutation(AddParticipantsDocument, { conversationId, usernames }).toPromise();
  if (!res.data) return errorMessage(res.error);
  applyConversation(res.data.addParticipants);
  return null;
}

/** Removes username from the group (its owner only); an error message, or null. */
export async function removeMember(conversationId: string, username: string): Promise<string | null> {
  const res = await client.mutation(RemoveParticipantDocument, { conversationId, username }).toPromise();
  if (!res.data) return errorMessage(res.error);
  applyConversation(res.data.removeParticipant);
  return null;
}

/** Renames the group (its owner only); an error message, or null. */
export async function renameGroup(conversationId: string, title: string): Promise<string | null> {
  const res = await client.mutation(RenameConversationDocument, { conversationId, title: title.trim() }).toPromise();
  if (!res.data) return errorMessage(res.error);
  applyConversation(res.data.renameConversation);
  return null;
}

/** Takes the viewer out of the group; an error message, or null. */
export async function leaveGroup(conversationId: string): Promise<string | null> {
  const res = await client.mutation(LeaveConversationDocument, { conversationId }).toPromise();
  if (!res.data) return errorMessage(res.error);
  const user = me.peek()!;
  // What the stream will say too: the conversation is no longer the viewer's.
  emitLiveEvent({ type: "members", conversationId, conversation: null, added: [], removed: [user], by: user });
  return null;
}
