/** The managers' webhook endpoints and their delivery logs, over HTTP. */

import { api } from "../common/api";
import { isObject, str } from "../common/protocol-json";
import {
  decodeDeliveries,
  decodeWebhook,
  decodeWebhooks,
  type Delivery,
  type Webhook,
  type WebhookEvent,
} from "./webhook-rows";

/** An endpoint as just made or given a new secret: the secret is in this answer only. */
export interface WithSecret {
  webhook: Webhook;
  secret: string;
}

function withSecret(body: unknown): WithSecret {
  return { webhook: decodeWebhook(body), secret: isObject(body) ? str(body, "secret") : "" };
}

export async function loadWebhooks(): Promise<Webhook[]> {
  return decodeWebhooks(await api("GET", "/api/webhooks"));
}

export async function addWebhook(url: string, events: WebhookEvent[], portal: string | null): Promise<WithSecret> {
  const body = portal === null ? { url, events } : { url, events, portal };
  return withSecret(await api("POST", "/api/webhooks", body));
}

export async function switchWebhook(id: number, enabled: boolean): Promise<Webhook> {
  return decodeWebhook(await api("PATCH", `/api/webhooks/${id}`, { enabled }));
}

export async function rotateSecret(id: number): Promise<WithSecret> {
  return withSecret(await api("POST", `/api/webhooks/${id}/secret`));
}

export async function deleteWebhook(id: number): Promise<void> {
  await api("DELETE", `/api/webhooks/${id}`);
}

export async function loadDeliveries(id: number): Promise<Delivery[]> {
  return decodeDeliveries(await api("GET", `/api/webhooks/${id}/deliveries`));
}
