/**
 * The customer's computer and how they are connected, in words: the console's Details
 * and Attendees panes say it the way the server's chat log header does.
 */

import type { Customer } from "./protocol";

/** Labelled details of the customer's computer; those nobody reported are left out. */
export function computerDetails(customer: Customer): [string, string][] {
  const rows: [string, string][] = [
    ["Operating system", customer.os],
    ["Kernel", customer.kernel],
    ["Architecture", customer.arch],
    ["Host name", customer.host],
    ["User", customer.user],
    ["Browser", customer.browser],
  ];
  return rows.filter(([, value]) => value !== "");
}

/** "on the Helpline agent" or "in the browser". */
export function customerApp(customer: Customer): string {
  return customer.app === "agent" ? "on the Helpline agent" : "in the browser";
}

/** "online" or "offline": whether any of the customer's windows or agents is connected. */
export function customerPresence(customer: Customer): "online" | "offline" {
  return customer.online ? "online" : "offline";
}
