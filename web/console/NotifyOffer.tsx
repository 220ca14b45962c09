/**
 * Turning on desktop notifications: browsers ask for the permission only from a click,
 * so the console offers a button until the representative has answered, and says
 * where to change it once the browser blocks them.
 */

import { askForNotifications, notePermission } from "./background-edge";

export function NotifyOffer() {
  const permission = notePermission.value;
  if (permission === "granted" || permission === "unsupported") return null;
  if (permission === "denied") {
    return (
      <p class="muted notify-offer" data-testid="notify-offer">
        Desktop notifications are blocked for Helpline: allow them in this site's settings in your browser
        to hear of new requests and messages while the console is in the background.
      </p>
    );
  }
  return (
    <p class="notify-offer" data-testid="notify-offer">
      Get a desktop notification of new requests, invitations and customers' messages while the console is in
      the background.{" "}
      <button type="button" class="link-button" onClick={() => void askForNotifications()}>
        Turn on notifications
      </button>
    </p>
  );
}
