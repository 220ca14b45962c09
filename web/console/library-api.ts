/** The library of scripted messages and URLs, and the greetings, over HTTP. */

import { api, seg } from "../common/api";
import { decodeScriptCategories, type ScriptCategory, type ScriptKind } from "../common/protocol-bodies";
import { isObject } from "../common/protocol-json";

export async function loadScripts(kind: ScriptKind): Promise<ScriptCategory[]> {
  return decodeScriptCategories(await api("GET", `/api/scripts?kind=${seg(kind)}`));
}

export async function createCategory(kind: ScriptKind, team: boolean, name: string): Promise<void> {
  await api("POST", "/api/scripts/categories", { kind, team, name });
}

export async function renameCategory(id: number, name: string): Promise<void> {
  await api("PATCH", `/api/scripts/categories/${id}`, { name });
}

export async function deleteCategory(id: number): Promise<void> {
  await api("DELETE", `/api/scripts/categories/${id}`);
}

export async function orderCategories(kind: ScriptKind, team: boolean, ids: number[]): Promise<void> {
  await api("POST", "/api/scripts/categories/order", { kind, team, ids });
}

export async function createScript(categoryId: number, title: string, text: string): Promise<void> {
  await api("POST", `/api/scripts/categories/${categoryId}/scripts`, { title, text });
}

export async function updateScript(id: number, title: string, text: string): Promise<void> {
  await api("PATCH", `/api/scripts/${id}`, { title, text });
}

export async function deleteScript(id: number): Promise<void> {
  await api("DELETE", `/api/scripts/${id}`);
}

export async function orderScripts(categoryId: number, ids: number[]): Promise<void> {
  await api("POST", `/api/scripts/categories/${categoryId}/order`, { ids });
}

export async function loadTeamGreeting(): Promise<string> {
  const body = await api("GET", "/api/team/greeting");
  return isObject(body) && typeof body["text"] === "string" ? body["text"] : "";
}

export async function saveTeamGreeting(text: string): Promise<string> {
  const body = await api("PUT", "/api/team/greeting", { text });
  return isObject(body) && typeof body["text"] === "string" ? body["text"] : text;
}

export async function savePortalGreeting(slug: string, text: string): Promise<string> {
  const body = await api("PUT", `/api/portals/${seg(slug)}/greeting`, { text });
  return isObject(body) && typeof body["greeting"] === "string" ? body["greeting"] : text;
}

/**
 * How the Library's parts make a change: the page runs it, shows its error if any, then
 * reads the library again; it answers whether the change worked.
 */
export type Run = (change: () => Promise<void>) => Promise<boolean>;
