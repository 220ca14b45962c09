import { splitLink } from "../i18n/text";

/** A catalogue sentence whose `[bracketed]` words link to `href`. */
export function LinkedSentence({ sentence, href }: { sentence: string; href: string }) {
  const { before, link, after } = splitLink(sentence);
  return (
    <>
      {before}
      {link !== "" ? <a href={href}>{link}</a> : null}
      {after}
    </>
  );
}
