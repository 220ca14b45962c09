import { ChatPage } from "./ChatPage";
import { JoinPage } from "./JoinPage";
import { Page } from "./Layout";
import { PortalPage } from "./PortalPage";
import { route } from "./route";

export function App({ pathname }: { pathname: string }) {
  const r = route(pathname);
  switch (r.page) {
    case "portal":
      return <PortalPage slug={r.slug} />;
    case "join":
      return <JoinPage code={r.code} />;
    case "chat":
      return <ChatPage />;
    case "attach":
      return (
        <Page title="The Helpline agent">
          <p>This link is for the Helpline agent, not for the browser. To use it, run this on your computer:</p>
          <code class="agent-command" data-testid="attach-command">
            {`helpline agent attach '${location.href.replace(/'/g, "'\\''")}'`}
          </code>
          <p class="muted">It works once, for a few minutes. If it no longer does, ask your representative again.</p>
        </Page>
      );
    default:
      return (
        <Page title="Page not found">
          <p>
            There is nothing here. If a representative gave you a session code, <a href="/join">enter it here</a>.
          </p>
        </Page>
      );
  }
}
