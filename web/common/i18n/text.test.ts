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

describe("size", () => {
  it("writes sizes in English as the server's notes do", () => {
    const size = textFor("en").size;
    expect(size(0)).toBe("0 bytes");
    expect(size(1)).toBe("1 byte");
    expect(size(1023)).toBe("1023 bytes");
    expect(size(1024)).toBe("1.0 KB");
    expect(size(300_000)).toBe("293.0 KB");
    expect(size(1_048_575)).toBe("1024.0 KB");
    expect(size(1_300_000)).toBe("1.2 MB");
    expect(size(5 * 1024 ** 4)).toBe("5120.0 GB");
  });

  it("says it in the language's numbers and units", () => {
    expect(textFor("de").size(2048)).toBe("2,0 KB");
    expect(textFor("fr").size(300_000)).toBe("293,0 Ko");
    expect(textFor("fr").size(1)).toBe("1 octet");
    expect(textFor("fr").size(7)).toBe("7 octets");
    expect(textFor("es").size(5e9)).toBe("4,7 GB");
  });
});
