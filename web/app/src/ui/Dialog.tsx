// A modal dialog on the native <dialog> (focus kept inside, Escape closes,
// focus back where it was when it closes), with its title and a Close
// button; a click on the backdrop closes it too. ConfirmDialog asks before
// something that cannot be undone.
import type { ComponentChildren } from "preact";
import { useId, useLayoutEffect, useRef } from "preact/hooks";
import { CloseIcon } from "./icons";

export function Dialog({
  title,
  onClose,
  children,
  class: cls = "",
  describedBy,
}: {
  title: ComponentChildren;
  onClose: () => void;
  children: ComponentChildren;
  class?: string;
  describedBy?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useLayoutEffect(() => {
    const d = ref.current!;
    d.showModal();
    return () => d.close();
  }, []);
  return (
    <dialog
      ref={ref}
      class={`dialog ${cls}`}
      aria-labelledby={id}
      aria-describedby={describedBy}
      onClose={onClose}
      onClick={(e) => {
        if (e.target === ref.current) onClose(); // the backdrop
      }}
    >
      <div class="dialog-body">
        <header class="dialog-head">
          <h2 id={id}>{title}</h2>
          <button type="button" class="icon-button" onClick={onClose}>
            <CloseIcon />
            <span class="visually-hidden">Close</span>
          </button>
        </header>
        {children}
      </div>
    </dialog>
  );
}

export function ConfirmDialog({
  title,
  text,
  confirm,
  onConfirm,
  onClose,
}: {
  title: string;
  text: string;
  confirm: string;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const id = useId();
  return (
    <Dialog title={title} onClose={onClose} class="confirm" describedBy={id}>
      <p id={id}>{text}</p>
      <div class="dialog-actions">
        <button type="button" class="quiet" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button type="button" class="danger" onClick={onConfirm}>
          {confirm}
        </button>
      </div>
    </Dialog>
  );
}
