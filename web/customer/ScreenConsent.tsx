import { useEffect, useRef } from "preact/hooks";
import type { ScreenRequest } from "../common/screen-status";

/**
 * "Alice asks to see your screen": a modal alert dialog that waits for Allow or
 * Decline. Escape declines. Allowing makes the browser ask which screen to share.
 */
export function ScreenConsentDialog({
  request,
  onAnswer,
}: {
  request: ScreenRequest;
  onAnswer: (allow: boolean) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
    return () => {
      if (dialog?.open) dialog.close();
    };
  }, [request.requestId]);
  const who = request.from || "Your representative";
  return (
    <dialog
      ref={ref}
      class="dialog consent-dialog"
      role="alertdialog"
      aria-modal="true"
      aria-labelledby="consent-title"
      aria-describedby="consent-text"
      data-testid="screen-consent"
      data-request={request.requestId}
      onCancel={(e) => {
        e.preventDefault();
        onAnswer(false);
      }}
    >
      <h2 id="consent-title">Share your screen?</h2>
      <div id="consent-text">
        <p class="consent-dialog__ask">{who} asks to see your screen.</p>
        <p>
          If you allow it, your browser asks which screen, window or tab to show. You see a bar while it is shared
          and can stop at any time.
        </p>
      </div>
      <div class="dialog__actions">
        <button type="button" onClick={() => onAnswer(false)}>
          Decline
        </button>
        <button type="button" class="primary" onClick={() => onAnswer(true)}>
          Allow
        </button>
      </div>
    </dialog>
  );
}
