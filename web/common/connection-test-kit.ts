/**
 * The harness shared by the Connection's tests (connection.test.ts: the socket's life;
 * connection-sends.test.ts: the outbox): a fake socket the test drives, sample frames,
 * and a Connection wired to them with fake timers, fresh for every test.
 */

import { afterEach, beforeEach, vi } from "vitest";
import { Connection } from "./connection";
import type { ConnectionState, SocketLike } from "./connection-types";
import type { SessionEvent } from "./protocol";
import type { ServerFrame } from "./protocol-frames";

export class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  sent: Array<Record<string, unknown>> = [];
  binarySent: Uint8Array[] = [];
  binaryType: BinaryType = "blob";
  bufferedAmount = 0;
  closedWith: number | null = null;

  constructor(readonly url: string) {}

  send(data: string | ArrayBufferLike | ArrayBufferView): void {
    if (typeof data === "string") this.sent.push(JSON.parse(data) as Record<string, unknown>);
    else if (data instanceof Uint8Array) this.binarySent.push(data);
  }

  close(code?: number): void {
    this.closedWith = code ?? 1000;
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }

  frame(value: object): void {
    this.onmessage?.({ data: JSON.stringify(value) } as MessageEvent);
  }

  drop(code: number, reason = ""): void {
    this.readyState = 3;
    this.onclose?.({ code, reason } as CloseEvent);
  }

  types(): unknown[] {
    return this.sent.map((f) => f["type"]);
  }
}

export const welcome = { type: "welcome", role: "customer", session: { id: "S1", status: "active" }, heartbeat_seconds: 10 };

export function event(seq: number, extra: Partial<Record<keyof SessionEvent, unknown>> = {}) {
  return {
    type: "event",
    session: "S1",
    event: {
      seq,
      at: "2025-01-01T00:00:00Z",
      kind: "message",
      audience: "everyone",
      author: { kind: "customer", name: "C" },
      body: { text: `m${seq}` },
      ...extra,
    },
  };
}

export interface ConnectionHarness {
  /** Every socket made, oldest first; emptied before each test like the lists below. */
  sockets: FakeSocket[];
  states: ConnectionState[];
  /** The seq of each event handed to the app. */
  events: number[];
  frames: ServerFrame[];
  /** The fake sessionStorage. */
  store: Map<string, string>;
  make(extra?: Partial<ConstructorParameters<typeof Connection>[0]>): Connection;
  /** The newest socket. */
  last(): FakeSocket;
}

/** Call inside a `describe`: fake timers and fresh lists for each of its tests. */
export function useConnectionHarness(): ConnectionHarness {
  const sockets: FakeSocket[] = [];
  const states: ConnectionState[] = [];
  const events: number[] = [];
  const frames: ServerFrame[] = [];
  const store = new Map<string, string>();
  let ids = 0;

  const make = (extra: Partial<ConstructorParameters<typeof Connection>[0]> = {}) =>
    new Connection({
      path: "/ws/customer",
      handlers: {
        state: (s) => states.push(s),
        event: (_session, e) => events.push(e.seq),
        frame: (f) => frames.push(f),
      },
      createSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      newClientId: () => `cid-${++ids}`,
      random: () => 0.5,
      storage: {
        getItem: (k) => store.get(k) ?? null,
        setItem: (k, v) => void store.set(k, v),
        removeItem: (k) => void store.delete(k),
      },
      storageKey: "outbox",
      ...extra,
    });

  const last = (): FakeSocket => {
    const s = sockets[sockets.length - 1];
    if (s === undefined) throw new Error("no socket");
    return s;
  };

  beforeEach(() => {
    vi.useFakeTimers();
    sockets.length = 0;
    states.length = 0;
    events.length = 0;
    frames.length = 0;
    ids = 0;
    store.clear();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  return { sockets, states, events, frames, store, make, last };
}
