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
