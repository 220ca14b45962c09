import { describe, expect, it } from "vitest";
import { ApiError } from "../api";
import { CATALOGUES } from "./text";
import { problemOf, sayError, sayProblem } from "./problems";
import { textFor } from "./text";

const de = textFor("de");
const en = textFor("en");

describe("sayError", () => {
  it("says the errors a page knows in its language, with the page's own sentence first", () => {
    const missing = new ApiError(404, "not_found", "There is no support portal called 'x'.");
    expect(sayError(missing, de, { not_found: "portal.notFound" }, { slug: "x" })).toBe("Es gibt kein Supportportal namens „x“.");
    expect(sayError(missing, de)).toBe("Das wurde nicht gefunden. Es wurde vielleicht entfernt.");
    expect(sayError(new ApiError(429, "rate_limited", "Too many."), de)).toContain("Zu viele Versuche");
    expect(sayError(new ApiError(0, "network", "Cannot reach the server."), textFor("fr"))).toContain("Impossible de joindre le serveur");
    expect(sayError(new ApiError(503, "unavailable", "The database is away."), textFor("es"))).toContain("no se ha perdido nada");
  });

  it("keeps the server's own words in English, and for a rule only its message names", () => {
    const missing = new ApiError(404, "not_found", "There is no support portal called 'x'.");
    expect(sayError(missing, en, { not_found: "portal.notFound" }, { slug: "x" })).toBe("There is no support portal called 'x'.");
    expect(sayError(new ApiError(422, "invalid_input", "A name is needed."), de)).toBe("A name is needed.");
    expect(sayError(new ApiError(418, "teapot", "I am a teapot."), de)).toBe("I am a teapot.");
  });

  it("treats anything thrown that is not the server's as a general error", () => {
    expect(problemOf(new Error("Boom."))).toEqual({ code: "error", message: "Boom." });
    expect(problemOf("odd")).toEqual({ code: "error", message: "Something went wrong. Please try again." });
    expect(sayProblem(problemOf(new Error("Boom.")), de)).toBe(CATALOGUES.de["error.generic"]);
  });

  it("has a sentence in every language for each code the protocol names for a customer", () => {
    const codes = ["network", "rate_limited", "unavailable", "session_ended", "not_found", "forbidden", "not_authenticated",
      "conflict", "too_large", "expired", "limit_reached", "server_failed", "aborted", "damaged", "insecure"];
    for (const lang of ["de", "fr", "es"] as const) {
      for (const code of codes) {
        const said = sayProblem({ code, message: "English." }, textFor(lang));
        expect(said, `${lang} ${code}`).not.toBe("English.");
        expect(said, `${lang} ${code}`).not.toBe(CATALOGUES.en["error.generic"]);
      }
    }
  });
});
