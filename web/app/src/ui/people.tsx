// Finding people as one types (searchUsers, after a short pause), shared by
// the new-chat dialog and a group's "Add people".
import { useEffect, useState } from "preact/hooks";
import { searchUsers } from "../state/search";
import type { User } from "../types";
import { Avatar } from "./Avatar";

export function usePeopleSearch(query: string): { users: User[]; searching: boolean; error: string } {
  const [result, setResult] = useState<{ users: User[]; searching: boolean; error: string }>({
    users: [],
    searching: false,
    error: "",
  });
  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setResult({ users: [], searching: false, error: "" });
      return;
    }
    let live = true;
    setResult((r) => ({ ...r, searching: true }));
    const timer = setTimeout(() => {
      void searchUsers(q).then(({ users, error }) => {
        if (live) setResult({ users, searching: false, error: error ?? "" });
      });
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [query]);
  return result;
}

/** A person as a row shows them: avatar, name, @username. */
export function Person({ user, note }: { user: User; note?: string }) {
  return (
    <>
      <Avatar id={user.id} name={user.displayName} size="sm" />
      <span class="person">
        <span class="name">
          {user.displayName}
          {note ? <span class="note-inline"> {note}</span> : null}
        </span>
        <span class="handle">@{user.username}</span>
      </span>
    </>
  );
}

/** What the search found, in words, for the polite live region under the results. */
export function searchStatus(query: string, found: number, searching: boolean): string {
  if (!query.trim()) return "";
  if (searching) return "Searching…";
  return found === 0 ? `Nobody found for “${query.trim()}”.` : `${found} found.`;
}
