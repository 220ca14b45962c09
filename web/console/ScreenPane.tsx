import { useState } from "preact/hooks";
import { errorMessage } from "../common/api";
import { THUMBNAIL } from "../common/screen";
import { screenStatus } from "../common/screen-status";
import { askToSeeScreen, openViewer } from "./session-actions";
import { screenFeed, screenVersion, type Tab } from "./state";

/**
 * The right navigation's "Customer's Screen": the newest thumbnail while the customer
 * shares, where the request stands, the button to ask, and the way into the Viewer
 * window (double-click the picture, or "Open viewer").
 */
export function ScreenPane({ tab }: { tab: Tab }) {
  void screenVersion.value; // re-read on each new frame
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [asked, setAsked] = useState(false);
  const status = screenStatus(tab.events);
  const sharing = status.state === "sharing";
  const image = sharing ? screenFeed.image(tab.id, THUMBNAIL) : null;
  const ended = tab.session.status === "ended";
  const name = tab.session.customer.name || "the customer";

  const ask = async () => {
    setBusy(true);
    setError(null);
    setAsked(false);
    try {
      await askToSeeScreen(tab.id);
      setAsked(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel screen-pane" aria-labelledby="screen-heading">
      <h2 id="screen-heading">Customer's Screen</h2>
      <p class="screen-pane__status" role="status" data-testid="screen-status" data-state={status.state}>
        {ended && !sharing ? "Not shared (the session has ended)" : status.text}
      </p>
      {image !== null ? (
        <img
          class="screen-pane__thumbnail"
          src={image.url}
          alt={`The screen of ${name}${image.width > 0 ? ` (${image.width} × ${image.height})` : ""}`}
          title="Double-click to open the viewer"
          width={image.width > 0 ? image.width : undefined}
          height={image.height > 0 ? image.height : undefined}
          data-testid="screen-thumbnail"
          data-frame={image.count}
          onDblClick={() => openViewer(tab.id)}
        />
      ) : (
        <div class="screen-placeholder" data-testid="screen-placeholder">
          <p>
            {sharing
              ? "The first picture is on its way…"
              : status.state === "requested" || status.state === "allowed"
                ? `Waiting for ${name} to share the screen.`
                : `Ask ${name} to share the screen; their window asks them to allow it.`}
          </p>
        </div>
      )}
      <div class="screen-pane__actions">
        <button type="button" disabled={ended || sharing || busy} onClick={() => void ask()}>
          Ask to see the screen
        </button>
        <button type="button" disabled={!sharing} onClick={() => openViewer(tab.id)}>
          Open viewer
        </button>
      </div>
      {asked && status.state === "requested" ? (
        <p class="muted" data-testid="screen-asked">
          Asked. {name} sees the request now.
        </p>
      ) : null}
      {error !== null ? (
        <p class="form-error" role="alert" data-testid="screen-error">
          {error}
        </p>
      ) : null}
    </section>
  );
}
