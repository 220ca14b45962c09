/** Scripted messages and URLs: searching the pickers, reordering the library. Pure. */

import type { ScriptCategory } from "./protocol-bodies";

function normalize(text: string): string {
  return text.toLocaleLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
}

/**
 * The categories whose scripts match `query`: every word of the query must appear in
 * the script's title or text (or in its category's name), in any case and accent.
 * Categories left without a match are dropped; an empty query keeps everything
 * except empty categories.
 */
export function searchScripts(categories: readonly ScriptCategory[], query: string): ScriptCategory[] {
  const words = normalize(query).split(/\s+/).filter((w) => w !== "");
  const out: ScriptCategory[] = [];
  for (const category of categories) {
    const scripts = category.scripts.filter((script) => {
      if (words.length === 0) return true;
      const haystack = normalize(`${script.title}\n${script.text}\n${category.name}`);
      return words.every((w) => haystack.includes(w));
    });
    if (scripts.length > 0) out.push({ ...category, scripts });
  }
  return out;
}

/** `items` with the one at `index` moved by `step` (-1 up, +1 down); unchanged at the edges. */
export function moveItem<T>(items: readonly T[], index: number, step: number): T[] {
  const target = index + step;
  const copy = [...items];
  if (index < 0 || index >= items.length || target < 0 || target >= items.length) return copy;
  const [item] = copy.splice(index, 1);
  if (item !== undefined) copy.splice(target, 0, item);
  return copy;
}

/** `draft` with `text` added at its end, a space between them where needed. */
export function appendToDraft(draft: string, text: string): string {
  if (draft === "" || /\s$/.test(draft)) return draft + text;
  return `${draft} ${text}`;
}
