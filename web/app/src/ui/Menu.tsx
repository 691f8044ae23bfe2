// A menu button (WAI-ARIA's menu button pattern): the button opens a menu of
// actions, which takes the keyboard's focus (arrows, Home, End; Escape
// closes it and returns to the button; Tab closes it). It closes on a click
// elsewhere. The caller holds whether it is open, so that a long press or a
// right click on what the menu is about can open it too.
import type { ComponentChildren } from "preact";
import { useEffect, useId, useLayoutEffect, useRef, useState } from "preact/hooks";

export interface MenuItem {
  label: string;
  onSelect: () => void;
  danger?: boolean;
}

export function Menu({
  label,
  button,
  buttonClass = "icon-button",
  items,
  open,
  setOpen,
  align = "end",
  head,
  buttonRef,
}: {
  /** The button's accessible name. */
  label: string;
  /** What the button shows. */
  button: ComponentChildren;
  buttonClass?: string;
  items: MenuItem[];
  open: boolean;
  setOpen: (open: boolean) => void;
  align?: "start" | "end";
  /** Shown above the menu's items (not an item). */
  head?: ComponentChildren;
  buttonRef?: { current: HTMLButtonElement | null };
}) {
  const id = useId();
  const wrap = useRef<HTMLDivElement>(null);
  const ownButton = useRef<HTMLButtonElement>(null);
  const trigger = buttonRef ?? ownButton;
  const menu = useRef<HTMLDivElement>(null);
  const startAt = useRef<"first" | "last">("first");
  const pop = useRef<HTMLDivElement>(null);
  const [up, setUp] = useState(false); // opens upwards when there is no room below

  const itemsOf = () => [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
  useLayoutEffect(() => {
    if (!open) return setUp(false);
    // Room below: down to the bottom of the window or of the list that scrolls around the menu, whichever is higher.
    let bottom = window.innerHeight;
    for (let el = wrap.current?.parentElement; el; el = el.parentElement) {
      if (/auto|scroll|hidden/.test(getComputedStyle(el).overflowY)) {
        bottom = Math.min(bottom, el.getBoundingClientRect().bottom);
        break;
      }
    }
    const box = pop.current?.getBoundingClientRect();
    if (box && box.bottom > bottom - 8 && box.top - box.height - 48 > 0) setUp(true);
    const all = itemsOf();
    (startAt.current === "last" ? all[all.length - 1] : all[0])?.focus();
    startAt.current = "first";
  }, [open]);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      if (!wrap.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", onDown, true);
    return () => document.removeEventListener("pointerdown", onDown, true);
  }, [open, setOpen]);

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) trigger.current?.focus();
  };
  const onMenuKey = (e: KeyboardEvent) => {
    const all = itemsOf();
    const i = all.indexOf(document.activeElement as HTMLElement);
    const to = (n: number) => {
      e.preventDefault();
      all[(n + all.length) % all.length]?.focus();
    };
    switch (e.key) {
      case "ArrowDown":
        return to(i + 1);
      case "ArrowUp":
        return to(i - 1);
      case "Home":
        return to(0);
      case "End":
        return to(all.length - 1);
      case "Escape":
        e.preventDefault();
        e.stopPropagation();
        return close(true);
      case "Tab":
        return close(false);
    }
  };

  return (
    <div class={`menu-wrap${open ? " open" : ""}`} ref={wrap}>
      <button
        type="button"
        class={buttonClass}
        ref={trigger}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => setOpen(!open)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" || e.key === "ArrowUp") {
            e.preventDefault();
            startAt.current = e.key === "ArrowUp" ? "last" : "first";
            setOpen(true);
          }
        }}
      >
        {button}
        <span class="visually-hidden">{label}</span>
      </button>
      {open ? (
        <div class={`popover align-${align}${up ? " up" : ""}`} ref={pop}>
          {head}
          <div role="menu" id={id} aria-label={label} ref={menu} onKeyDown={onMenuKey}>
            {items.map((item) => (
              <button
                key={item.label}
                type="button"
                role="menuitem"
                tabIndex={-1}
                class={item.danger ? "danger" : undefined}
                onClick={() => {
                  close(true);
                  item.onSelect();
                }}
              >
                {item.label}
              </button>
            ))}
          </div>
        </div>
      ) : null}
    </div>
  );
}
