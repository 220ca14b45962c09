import { describe, expect, it } from "vitest";
import { ApiError } from "../common/api";
import { computerError, SERVICE_NAME } from "./computer-actions";

describe("the customer's computer: refusals and names", () => {
  it("says the server's refusals in plain English", () => {
    expect(computerError(new ApiError(409, "needs_agent", "x"), "ask")).toMatch(/^Needs the Helpline agent/);
    expect(computerError(new ApiError(409, "needs_grant", "x"), "task")).toMatch(/login credentials/);
    expect(computerError(new ApiError(409, "conflict", "x"), "task")).toMatch(/still busy with the last task/);
    expect(computerError(new ApiError(409, "conflict", "x"), "ask")).toMatch(/not answered the last request/);
    expect(computerError(new ApiError(422, "invalid_input", "bad name"), "task")).toBe("The server refused it: bad name");
    expect(computerError(new ApiError(403, "forbidden", "Not yours."), "task")).toBe("Not yours.");
  });

  it("accepts systemd unit names and nothing else", () => {
    for (const ok of ["nginx", "nginx.service", "getty@tty1.service", "a", "dbus-org.freedesktop:x_y"]) {
      expect(SERVICE_NAME.test(ok)).toBe(true);
    }
    for (const bad of ["", "-nginx", "nginx; reboot", "a b", "../x", "x".repeat(202)]) {
      expect(SERVICE_NAME.test(bad)).toBe(false);
    }
  });
});
