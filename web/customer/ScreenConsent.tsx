import { useEffect, useRef } from "preact/hooks";
import { useText } from "../common/i18n/text";
import type { ScreenRequest } from "../common/screen-status";
import { personName } from "./translated";

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
  const text = useText();
  const { t } = text;
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
    return () => {
      if (dialog?.open) dialog.close();
    };
  }, [request.requestId]);
  const who = request.from ? personName(request.from, text) : t("consent.yourRep");
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
      <h2 id="consent-title">{t("consent.title")}</h2>
      <div id="consent-text">
        <p class="consent-dialog__ask">{t("consent.asks", { name: who })}</p>
        <p>{t("consent.explain")}</p>
      </div>
      <div class="dialog__actions">
        <button type="button" onClick={() => onAnswer(false)}>
          {t("consent.decline")}
        </button>
        <button type="button" class="primary" onClick={() => onAnswer(true)}>
          {t("consent.allow")}
        </button>
      </div>
    </dialog>
  );
}
