/**
 * Forgiving readers of untrusted JSON, for the protocol's decoders (protocol*.ts): each
 * reads one field and falls back to a safe default when it is missing or mistyped.
 * Split from protocol.ts so that every decoder module shares one set of them.
 */

export type JsonObject = { readonly [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function str(o: JsonObject, key: string, fallback = ""): string {
  const v = o[key];
  return typeof v === "string" ? v : fallback;
}

export function optStr(o: JsonObject, key: string): string | null {
  const v = o[key];
  return typeof v === "string" ? v : null;
}

export function num(o: JsonObject, key: string, fallback = 0): number {
  const v = o[key];
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

export function optNum(o: JsonObject, key: string): number | null {
  const v = o[key];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export function bool(o: JsonObject, key: string, fallback = false): boolean {
  const v = o[key];
  return typeof v === "boolean" ? v : fallback;
}

export function obj(o: JsonObject, key: string): JsonObject {
  const v = o[key];
  return isObject(v) ? v : {};
}

export function arr(o: JsonObject, key: string): readonly unknown[] {
  const v = o[key];
  return Array.isArray(v) ? v : [];
}

export function stringMap(value: JsonObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "string") out[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") out[k] = String(v);
  }
  return out;
}
