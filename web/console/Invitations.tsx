import { useState } from "preact/hooks";
import { plural } from "../common/format";
import type { Invitation } from "../common/protocol-bodies";
import { acceptInvitation, declineInvitation } from "./session-actions";
import { invitations, now } from "./state";

function describe(invitation: Invitation): string {
  const customer = invitation.session.customer || "a customer";
  const where = invitation.portal !== null ? ` (to everyone on ${invitation.portal})` : "";
  if (invitation.kind === "transfer") {
    return `${invitation.from} asks you to take over the session with ${customer}${where}.`;
  }
  return `${invitation.from} invites you to join the session with ${customer}${where}${
    invitation.masked ? ", masked: the customer will not see you" : ""
  }.`;
}

/** Offers to join or take over a session: Accept or Decline, gone after 30 seconds. */
export function InvitationAlerts() {
  const list = invitations.value;
  const t = now.value;
  if (list.length === 0) return null;
  return (
    <div class="alerts">
      {list.map(({ invitation, expiresAt }) => (
        <InvitationAlert
          key={invitation.id}
          invitation={invitation}
          secondsLeft={Math.min(30, Math.max(0, Math.ceil((expiresAt - t) / 1000)))}
        />
      ))}
    </div>
  );
}

function InvitationAlert({ invitation, secondsLeft }: { invitation: Invitation; secondsLeft: number }) {
  const [busy, setBusy] = useState(false);
  const headingId = `invitation-${invitation.id}-text`;
  const customer = invitation.session.customer || "a customer";
  const what = invitation.kind === "transfer" ? "transfer" : "invitation";
  return (
    <div
      class="banner banner--alert invitation"
      role="group"
      aria-labelledby={headingId}
      data-testid="invitation-alert"
      data-kind={invitation.kind}
      data-invitation={invitation.id}
      data-session={invitation.session.id}
      data-masked={invitation.masked ? "true" : "false"}
    >
      <p id={headingId} class="invitation__text" role="alert">
        {describe(invitation)}
      </p>
      {invitation.session.query !== "" ? (
        <p class="invitation__detail">
          <span class="muted">Question:</span> {invitation.session.query}
        </p>
      ) : null}
      {invitation.comment !== "" ? (
        <p class="invitation__detail" data-testid="invitation-comment">
          <span class="muted">Comment from {invitation.from}:</span> {invitation.comment}
        </p>
      ) : null}
      <div class="invitation__actions">
        <button
          type="button"
          class="primary"
          disabled={busy}
          aria-label={`Accept the ${what} to the session with ${customer}`}
          onClick={() => {
            setBusy(true);
            void acceptInvitation(invitation.id).finally(() => setBusy(false));
          }}
        >
          Accept
        </button>
        <button
          type="button"
          disabled={busy}
          aria-label={`Decline the ${what} to the session with ${customer}`}
          onClick={() => void declineInvitation(invitation.id)}
        >
          Decline
        </button>
        <span class="muted" data-testid="invitation-countdown" aria-hidden="true">
          {plural(secondsLeft, "second")} left
        </span>
      </div>
    </div>
  );
}
