import { describe, expect, it } from "vitest";
import { CATALOGUES, fill, LANGUAGES, pickLanguage, placeholders, splitLink, textFor } from "./text";

describe("pickLanguage", () => {
  it("takes the first preferred language that has a catalogue, by its primary subtag", () => {
    expect(pickLanguage(["de-AT", "en-US"])).toBe("de");
    expect(pickLanguage(["pt-BR", "fr-CA", "es"])).toBe("fr");
    expect(pickLanguage(["ES_mx"])).toBe("es");
  });

  it("falls back to English when none has one", () => {
    expect(pickLanguage(["pt-BR", "zh-Hant"])).toBe("en");
    expect(pickLanguage([])).toBe("en");
    expect(pickLanguage([""])).toBe("en");
  });
});

describe("the catalogues", () => {
  const english = CATALOGUES.en;
  const keys = Object.keys(english).sort();

  it.each(LANGUAGES)("%s has exactly English's keys, none empty", (lang) => {
    const catalogue: Record<string, string> = CATALOGUES[lang];
    expect(Object.keys(catalogue).sort()).toEqual(keys);
    for (const key of keys) expect(catalogue[key]?.trim(), key).not.toBe("");
  });

  it.each(LANGUAGES)("%s keeps each sentence's {placeholders} and [link]", (lang) => {
    const catalogue: Record<string, string> = CATALOGUES[lang];
    for (const [key, sentence] of Object.entries(english)) {
      const translated = catalogue[key] ?? "";
      expect(placeholders(translated), key).toEqual(placeholders(sentence));
      expect(splitLink(translated).link === "", key).toBe(splitLink(sentence).link === "");
    }
  });

  it("are translated, not copied from English", () => {
    for (const lang of LANGUAGES.filter((l) => l !== "en")) {
      expect(CATALOGUES[lang]["chat.end"]).not.toBe(english["chat.end"]);
    }
  });
});

describe("text", () => {
  it("fills placeholders, numbers in the language's format, and leaves unknown ones", () => {
    expect(fill("{n} of {max}", { n: 1234 }, "de")).toBe("1.234 of {max}");
    expect(textFor("fr").t("consent.asks", { name: "Alice" })).toBe("Alice demande à voir votre écran.");
  });

  it("lists names the language's way", () => {
    expect(textFor("de").list(["Bob", "Carol"])).toBe("Bob und Carol");
    expect(textFor("es").list(["Bob", "Carol", "Dana"])).toBe("Bob, Carol y Dana");
    expect(textFor("en").list(["Bob"])).toBe("Bob");
  });

  it("splits a sentence around its link", () => {
    expect(splitLink("If so, [enter it here].")).toEqual({ before: "If so, ", link: "enter it here", after: "." });
    expect(splitLink("No link.")).toEqual({ before: "No link.", link: "", after: "" });
  });
});
