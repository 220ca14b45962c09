import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef } from "preact/hooks";
import { useText } from "../i18n/text";

interface DialogProps {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  /** data-testid for the <dialog>. */
  testId?: string;
  class?: string;
  /** Where focus goes when the dialog closes; the element that opened it by default. */
  returnFocus?: () => HTMLElement | null;
}

/** A modal <dialog>: Escape and the close button call onClose; focus returns to the opener. */
export function Dialog({ open, title, onClose, children, testId, class: cls, returnFocus }: DialogProps) {
  const { t } = useText();
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  // Unique per dialog: two dialogs with one title (one per session tab, one per
  // library category) would otherwise share an id, and aria-labelledby would name
  // one of them with the other's heading.
  const titleId = `dialog-title-${useId()}`;

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
    } else if (!open && dialog.open) {
      dialog.close();
      const target = returnFocus?.() ?? opener.current;
      if (target instanceof HTMLElement) target.focus();
    }
  }, [open]);

  return (
    <dialog
      ref={ref}
      class={cls ? `dialog ${cls}` : "dialog"}
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div class="dialog__head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="icon-button" aria-label={t("ui.close")} onClick={onClose}>
          <span aria-hidden="true">×</span>
        </button>
      </div>
      {open ? children : null}
    </dialog>
  );
}

interface ConfirmProps {
  open: boolean;
  title: string;
  message: string;
  confirmLabel: string;
  cancelLabel?: string;
  busy?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}

/** "Are you sure?" with a named confirm button (e.g. "End session") and Cancel. */
export function ConfirmDialog(props: ConfirmProps) {
  const { t } = useText();
  return (
    <Dialog open={props.open} title={props.title} onClose={props.onCancel} testId="confirm-dialog">
      <p>{props.message}</p>
      {props.error ? (
        <p class="form-error" role="alert">
          {props.error}
        </p>
      ) : null}
      <div class="dialog__actions">
        <button type="button" onClick={props.onCancel}>
          {props.cancelLabel ?? t("ui.cancel")}
        </button>
        <button type="button" class="danger" disabled={props.busy} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
