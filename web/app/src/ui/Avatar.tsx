// An initials avatar: up to two letters on a colour that is the same for the
// same user or group everywhere (logic/avatar.ts). Decorative: the name is
// always written beside it.
import { hue, initials } from "../logic/avatar";

export function Avatar({ id, name, size = "md" }: { id: string; name: string; size?: "sm" | "md" | "lg" }) {
  return (
    <span class={`avatar ${size} hue-${hue(id)}`} aria-hidden="true">
      {initials(name)}
    </span>
  );
}
