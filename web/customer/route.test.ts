import { describe, expect, it } from "vitest";
import { route } from "./route";

describe("route", () => {
  it("routes by path", () => {
    expect(route("/p/acme")).toEqual({ page: "portal", slug: "acme" });
    expect(route("/p/acme/")).toEqual({ page: "portal", slug: "acme" });
    expect(route("/join")).toEqual({ page: "join", code: "" });
    expect(route("/join/123456789")).toEqual({ page: "join", code: "123456789" });
    expect(route("/chat")).toEqual({ page: "chat" });
    expect(route("/attach")).toEqual({ page: "attach" });
    expect(route("/elsewhere")).toEqual({ page: "unknown" });
    expect(route("/")).toEqual({ page: "unknown" });
  });
});
