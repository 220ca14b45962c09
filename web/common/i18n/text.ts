/**
 * The customer's pages in the customer's language: the catalogues (one JSON file per
 * language beside this module, every one with exactly English's keys), choosing a
 * language from the browser's list, and filling `{placeholders}`. Pure but for the
 * Preact context the components read their words from; without a provider (the
 * console) that is English.
 */

import { createContext } from "preact";
import { useContext } from "preact/hooks";
import de from "./de.json";
import en from "./en.json";
import es from "./es.json";
import fr from "./fr.json";

export type TextKey = keyof typeof en;
/** Every key of the English catalogue, each a sentence with `{placeholders}`. */
export type Catalogue = Readonly<Record<TextKey, string>>;

/**
 * The catalogues by primary language subtag. A language missing a key of English's
 * does not compile (`satisfies`); a test checks that none has more keys than English
 * and that each keeps English's placeholders.
 */
export const CATALOGUES = { en, de, fr, es } satisfies Record<string, Catalogue>;

export type Language = keyof typeof CATALOGUES;
export const LANGUAGES = Object.keys(CATALOGUES) as Language[];
export const DEFAULT_LANGUAGE: Language = "en";

function isLanguage(tag: string): tag is Language {
  return Object.hasOwn(CATALOGUES, tag);
}

/**
 * The first of the browser's preferred languages (`navigator.languages`, best first)
 * that has a catalogue, matched by its primary subtag ("de-AT" is German); English
 * when none has.
 */
export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const primary = tag.trim().split(/[-_]/)[0]?.toLowerCase() ?? "";
    if (isLanguage(primary)) return primary;
  }
  return DEFAULT_LANGUAGE;
}

/** The `{name}`s in a catalogue sentence, sorted, each once. */
export function placeholders(sentence: string): string[] {
  return [...new Set(Array.from(sentence.matchAll(/\{(\w+)\}/g), (m) => m[1] ?? ""))].sort();
}

export type Params = Readonly<Record<string, string | number>>;

/** The words of one language: `t(key, {name: "Dana"})`, and lists of names. */
export interface Text {
  lang: Language;
  t(key: TextKey, params?: Params): string;
  /** "Alice, Bob and Carol" in the language's way. */
  list(items: readonly string[]): string;
  /** A file's size: "1 byte", "293.0 KB" ("293,0 Ko" in French). */
  size(bytes: number): string;
}

/** Fill `{name}`s with `params` (numbers in the language's format); unknown ones stay. */
export function fill(sentence: string, params: Params, lang: Language): string {
  return sentence.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? new Intl.NumberFormat(lang).format(value) : value;
  });
}

export function textFor(lang: Language): Text {
  const catalogue: Catalogue = CATALOGUES[lang];
  const lists = new Intl.ListFormat(lang, { style: "long", type: "conjunction" });
  const plurals = new Intl.PluralRules(lang);
  const tenths = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false });
  const t = (key: TextKey, params: Params = {}): string => fill(catalogue[key], params, lang);
  // As the server writes sizes in English: whole bytes under 1 KiB, else tenths of the unit.
  const size = (bytes: number): string => {
    if (bytes < 1024) {
      const n = Math.trunc(bytes);
      return t(plurals.select(n) === "one" ? "size.byte" : "size.bytes", { n: String(n) });
    }
    let value = bytes / 1024;
    for (const unit of ["size.kb", "size.mb"] as const) {
      if (value < 1024) return t(unit, { n: tenths.format(value) });
      value /= 1024;
    }
    return t("size.gb", { n: tenths.format(value) });
  };
  return { lang, t, list: (items) => lists.format(items), size };
}

export const ENGLISH: Text = textFor(DEFAULT_LANGUAGE);

/** The words the components use; English unless an app provides another language. */
export const TextContext = createContext<Text>(ENGLISH);

export function useText(): Text {
  return useContext(TextContext);
}

/**
 * A sentence with one link in `[brackets]`: "…, [enter it here]." → the text before,
 * the link's words and the text after; all of it `before` when there are no brackets.
 */
export function splitLink(sentence: string): { before: string; link: string; after: string } {
  const m = /^(.*?)\[([^\]]*)\](.*)$/s.exec(sentence);
  if (m === null) return { before: sentence, link: "", after: "" };
  return { before: m[1] ?? "", link: m[2] ?? "", after: m[3] ?? "" };
}
