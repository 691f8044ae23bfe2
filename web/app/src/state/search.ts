// Finding people (the API's searchUsers: a username or display name that
// starts with the query), for the new-chat dialog and a group's "Add people".
import { client, errorMessage } from "../api";
import { SearchUsersDocument } from "../gql/graphql";
import type { User } from "../types";
import { me } from "./session";

/** The users whose username or display name starts with query, the viewer left out. */
export async function searchUsers(query: string): Promise<{ users: User[]; error?: string }> {
  const res = await client.query(SearchUsersDocument, { query }).toPromise();
  if (!res.data) return { users: [], error: errorMessage(res.error) };
  return { users: res.data.searchUsers.filter((u) => u.id !== me.peek()?.id) };
}
