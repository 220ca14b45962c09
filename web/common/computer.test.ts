import { describe, expect, it } from "vitest";
import { computerDetails, customerApp, customerPresence } from "./computer";
import { decodeCustomer } from "./protocol";

describe("the customer's computer", () => {
  it("lists what the agent reported, in the chat log's order", () => {
    const customer = decodeCustomer({
      name: "Dana",
      os: "Debian GNU/Linux 12 (bookworm)",
      browser: "",
      kernel: "6.1.0-18-amd64",
      arch: "x86_64",
      host: "db-01",
      user: "dana",
      app: "agent",
      online: true,
    });
    expect(computerDetails(customer)).toEqual([
      ["Operating system", "Debian GNU/Linux 12 (bookworm)"],
      ["Kernel", "6.1.0-18-amd64"],
      ["Architecture", "x86_64"],
      ["Host name", "db-01"],
      ["User", "dana"],
    ]);
    expect(customerApp(customer)).toBe("on the Helpline agent");
    expect(customerPresence(customer)).toBe("online");
  });

  it("leaves out what a browser does not report", () => {
    const customer = decodeCustomer({ name: "Eve", os: "Windows 10", browser: "Chrome 131" });
    expect(computerDetails(customer)).toEqual([
      ["Operating system", "Windows 10"],
      ["Browser", "Chrome 131"],
    ]);
    expect(customerApp(customer)).toBe("in the browser");
    expect(customerPresence(customer)).toBe("offline");
  });

  it("decodes a customer from an older server as a browser, offline", () => {
    expect(decodeCustomer({ name: "Old" })).toEqual({
      name: "Old",
      os: "Unknown",
      browser: "Unknown",
      kernel: "",
      arch: "",
      host: "",
      user: "",
      app: "browser",
      online: false,
    });
    expect(decodeCustomer({ app: "robot", online: "yes" })).toMatchObject({ app: "browser", online: false });
  });
});
