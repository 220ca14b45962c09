/**
 * The Library page: scripted messages and URLs in categories (the team's, kept by
 * managers, and each representative's own), and the automatic greetings (managers).
 * This module is the page and its section tabs; LibraryScope.tsx, LibraryCategory.tsx,
 * LibraryScript.tsx and LibraryGreetings.tsx are what each section shows.
 */

import { useState } from "preact/hooks";
import { Greetings } from "./LibraryGreetings";
import { ScriptLibrary } from "./LibraryScope";
import { me } from "./state";

type Section = "message" | "url" | "greetings";

const SECTION_LABELS: Record<Section, string> = {
  message: "Scripted messages",
  url: "Scripted URLs",
  greetings: "Greetings",
};

export function LibraryPage() {
  const manager = me.value?.role === "manager";
  const sections: Section[] = manager ? ["message", "url", "greetings"] : ["message", "url"];
  const [section, setSection] = useState<Section>("message");

  const select = (next: Section) => {
    setSection(next);
    requestAnimationFrame(() => document.getElementById(`library-tab-${next}`)?.focus());
  };

  return (
    <div class="page library">
      <h2 class="page__title">Library</h2>
      <p class="muted">
        {manager
          ? "Keep the team's scripted messages and URLs, your own, and the automatic greetings. " +
            "Representatives insert scripts from the chat box."
          : "Keep your own scripted messages and URLs; insert them from the chat box. Managers keep the team's."}
      </p>
      <div
        class="page-tabs"
        role="tablist"
        aria-label="Library sections"
        onKeyDown={(e) => {
          const index = sections.indexOf(section);
          let next: Section | undefined;
          if (e.key === "ArrowRight") next = sections[(index + 1) % sections.length];
          else if (e.key === "ArrowLeft") next = sections[(index - 1 + sections.length) % sections.length];
          else if (e.key === "Home") next = sections[0];
          else if (e.key === "End") next = sections[sections.length - 1];
          if (next !== undefined) {
            e.preventDefault();
            select(next);
          }
        }}
      >
        {sections.map((s) => (
          <button
            key={s}
            type="button"
            role="tab"
            id={`library-tab-${s}`}
            class={`page-tab${s === section ? " is-current" : ""}`}
            aria-selected={s === section ? "true" : "false"}
            aria-controls="library-panel"
            tabIndex={s === section ? 0 : -1}
            onClick={() => setSection(s)}
          >
            {SECTION_LABELS[s]}
          </button>
        ))}
      </div>
      <div id="library-panel" role="tabpanel" aria-labelledby={`library-tab-${section}`} class="page-panel">
        {section === "greetings" ? <Greetings /> : <ScriptLibrary key={section} kind={section} manager={manager} />}
      </div>
    </div>
  );
}
