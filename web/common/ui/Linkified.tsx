import { splitLinks } from "../linkify";

/**
 * Chat text with http(s) links made clickable. Everything is a text node or an anchor
 * built by Preact: markup in the text is shown as the characters it is.
 */
export function Linkified({ text }: { text: string }) {
  return (
    <>
      {splitLinks(text).map((part, i) =>
        part.kind === "link" ? (
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer">
            {part.text}
          </a>
        ) : (
          part.text
        ),
      )}
    </>
  );
}
