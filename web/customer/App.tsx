import { useText } from "../common/i18n/text";
import { LinkedSentence } from "../common/ui/LinkedSentence";
import { ChatPage } from "./ChatPage";
import { JoinPage } from "./JoinPage";
import { Page } from "./Layout";
import { PortalPage } from "./PortalPage";
import { route } from "./route";

export function App({ pathname }: { pathname: string }) {
  const { t } = useText();
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
        <Page title={t("attach.title")}>
          <p>{t("attach.lead")}</p>
          <code class="agent-command" data-testid="attach-command">
            {`helpline agent attach '${location.href.replace(/'/g, "'\\''")}'`}
          </code>
          <p class="muted">{t("attach.once")}</p>
        </Page>
      );
    default:
      return (
        <Page title={t("notFound.title")}>
          <p>
            <LinkedSentence sentence={t("notFound.text")} href="/join" />
          </p>
        </Page>
      );
  }
}
