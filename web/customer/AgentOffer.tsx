/** The representative offers the Helpline agent: the command to run, to copy, or to dismiss. */

import { useState } from "preact/hooks";

export interface AgentOfferProps {
  command: string;
  onDismiss: () => void;
}

export function AgentOfferBanner({ command, onDismiss }: AgentOfferProps) {
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
    <div class="banner banner--info agent-offer" role="region" aria-label="The Helpline agent" data-testid="agent-offer">
      <p class="agent-offer__text">
        Your representative offers the Helpline agent, which can reach your computer (files, diagnostics). To use it,
        run:
      </p>
      <code class="agent-command" data-testid="agent-offer-command">
        {command}
      </code>
      <button type="button" class="primary" onClick={() => void copy()}>
        {copied === true ? "Copied" : "Copy"}
      </button>
      <button type="button" class="link-button" onClick={onDismiss}>
        Dismiss
      </button>
      {copied === false ? (
        <p class="agent-offer__text muted" role="status">
          Could not copy: select the command and copy it yourself.
        </p>
      ) : null}
    </div>
  );
}
