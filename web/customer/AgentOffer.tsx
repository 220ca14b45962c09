/** The representative offers the Helpline agent: the command to run, to copy, or to dismiss. */

import { useState } from "preact/hooks";
import { useText } from "../common/i18n/text";

export interface AgentOfferProps {
  command: string;
  onDismiss: () => void;
}

export function AgentOfferBanner({ command, onDismiss }: AgentOfferProps) {
  const { t } = useText();
  const [copied, setCopied] = useState<boolean | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(command);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div class="banner banner--info agent-offer" role="region" aria-label={t("agent.region")} data-testid="agent-offer">
      <p class="agent-offer__text">
        {t("agent.offer")}
      </p>
      <code class="agent-command" data-testid="agent-offer-command">
        {command}
      </code>
      <button type="button" class="primary" onClick={() => void copy()}>
        {copied === true ? t("agent.copied") : t("agent.copy")}
      </button>
      <button type="button" class="link-button" onClick={onDismiss}>
        {t("ui.dismiss")}
      </button>
      {copied === false ? (
        <p class="agent-offer__text muted" role="status">
          {t("agent.copyFailed")}
        </p>
      ) : null}
    </div>
  );
}
