import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ApiError } from "./api";
import {
  ChecksumError,
  downloadFile,
  isRecipient,
  percent,
  toHex,
  transfersOf,
  uploadFile,
  type TransferViewer,
} from "./files";
import type { SessionEvent } from "./protocol";
import type { SharedFile } from "./protocol-bodies";

type Author = SessionEvent["author"];
const customer: Author = { kind: "customer", id: null, name: "Dana" };
const bob: Author = { kind: "representative", id: 2, name: "Bob Chen" };
const carol: Author = { kind: "representative", id: 3, name: "Carol Diaz" };
const system: Author = { kind: "system", id: null, name: "Helpline" };

function note(
  seq: number,
  action: string,
  fileId: number,
  author: Author = system,
  extra: Record<string, string | number> = {},
): SessionEvent {
  return {
    seq,
    at: `2025-01-01T00:00:0${seq}Z`,
    kind: "status",
    audience: "everyone",
    to: null,
    author,
    body: {
      text: `${action} ${fileId}`,
      action,
      file_id: fileId,
      name: `f${fileId}.bin`,
      size: 2048,
      sha256: "AB",
      audience: "customer",
      ...extra,
    },
    internal: {},
    masked: false,
    client_id: null,
  };
}

const bobsConsole: TransferViewer = {
  customer: false,
  isMine: (e) => e.author.kind === "representative" && e.author.id === 2,
  myName: "Bob Chen",
  customerName: "Dana",
};
const carolsConsole: TransferViewer = { ...bobsConsole, isMine: (e) => e.author.id === 3, myName: "Carol Diaz" };
const danasWindow: TransferViewer = {
  customer: true,
  isMine: (e) => e.author.kind === "customer",
  myName: "Dana",
  customerName: "Dana",
};

function listed(id: number, extra: Partial<SharedFile> = {}): SharedFile {
  return {
    id,
    name: `f${id}.bin`,
    size: 10,
    sha256: "cd",
    content_type: "application/octet-stream",
    audience: "customer",
    from: "Bob Chen",
    state: "offered",
    at: "2025-01-01T00:00:00Z",
    ...extra,
  };
}

describe("transfersOf", () => {
  it("follows each file from its offer through the answer to its arrival", () => {
    const events = [note(1, "file_offered", 7, bob), note(2, "file_accepted", 7)];
    const [t] = transfersOf(events, [], bobsConsole);
    expect(t).toMatchObject({
      id: 7,
      name: "f7.bin",
      size: 2048,
      sha256: "ab",
      audience: "customer",
      from: "Bob Chen",
      fromCustomer: false,
      fromMe: true,
      state: "accepted",
    });
    const done = transfersOf([...events, note(3, "file_completed", 7, customer)], [], danasWindow);
    expect(done.map((x) => [x.id, x.state, x.fromMe])).toEqual([[7, "received", false]]);
  });

  it("says a file was renamed, with the name as sent spelled out, to representatives", () => {
    const offer = note(1, "file_offered", 5, customer, { name: "invexe.txt", audience: "representatives" });
    const renamed = { ...offer, internal: { original_name: "inv\\u202eexe.txt" } };
    const [t] = transfersOf([renamed], [], bobsConsole);
    expect(t).toMatchObject({ name: "invexe.txt", originalName: "inv\\u202eexe.txt" });
    expect(transfersOf([offer], [], danasWindow)[0]?.originalName).toBeNull();
    expect(transfersOf([], [listed(5)], bobsConsole)[0]?.originalName).toBeNull();
  });

  it("keeps files in order, ignores answers to unknown offers and other notes", () => {
    const events = [
      note(1, "file_offered", 9, customer, { audience: "representatives" }),
      note(2, "file_declined", 4),
      note(3, "file_offered", 3, bob),
      { ...note(4, "picked_up", 0), body: { text: "picked up", action: "picked_up" } },
      note(5, "file_declined", 9),
    ];
    const list = transfersOf(events, [], bobsConsole);
    expect(list.map((t) => [t.id, t.state, t.fromCustomer])).toEqual([
      [3, "offered", false],
      [9, "declined", true],
    ]);
  });

  it("takes answers from the server's list and adds files only the list knows", () => {
    const events = [note(1, "file_offered", 1, bob)];
    const list = transfersOf(
      events,
      [
        listed(1, { state: "declined" }),
        listed(2, { audience: "representatives", from: "Dana" }),
        listed(5, { audience: "representatives", from: "Bob Chen" }),
      ],
      bobsConsole,
    );
    expect(list.map((t) => [t.id, t.state, t.fromCustomer, t.fromMe])).toEqual([
      [1, "declined", false, true],
      [2, "offered", true, false],
      [5, "offered", false, true],
    ]);
    // The list never takes back what the notes said.
    const received = transfersOf([...events, note(2, "file_completed", 1)], [listed(1, { state: "accepted" })], bobsConsole);
    expect(received[0]?.state).toBe("received");
    // The customer's own files are theirs.
    const mine = transfersOf([], [listed(8, { audience: "representatives", from: "Dana" })], danasWindow);
    expect(mine[0]).toMatchObject({ fromCustomer: true, fromMe: true });
  });
});

describe("isRecipient", () => {
  const [toCustomer, fromCustomer, repsOnly] = transfersOf(
    [
      note(1, "file_offered", 1, bob),
      note(2, "file_offered", 2, customer, { audience: "representatives" }),
      note(3, "file_offered", 3, bob, { audience: "representatives" }),
    ],
    [],
    bobsConsole,
  );

  it("is the customer for a representative's file to them, a representative otherwise", () => {
    if (toCustomer === undefined || fromCustomer === undefined || repsOnly === undefined) throw new Error("missing");
    expect(isRecipient(toCustomer, true)).toBe(true);
    expect(isRecipient(toCustomer, false)).toBe(false);
    expect(isRecipient(fromCustomer, false)).toBe(true);
    expect(isRecipient(fromCustomer, true)).toBe(false);
    // Representatives only: the others answer, not the sender.
    expect(isRecipient(repsOnly, false)).toBe(false);
    const carols = transfersOf([note(3, "file_offered", 3, bob, { audience: "representatives" })], [], carolsConsole)[0];
    expect(carols !== undefined && isRecipient(carols, false)).toBe(true);
    expect(carol.id).toBe(3);
  });
});

describe("progress", () => {
  it("gives whole percents, 0 while the total is unknown", () => {
    expect(percent(0, 0)).toBe(0);
    expect(percent(50, 200)).toBe(25);
    expect(percent(199, 200)).toBe(99);
    expect(percent(300, 200)).toBe(100);
  });

  it("writes a digest in lower-case hex", () => {
    expect(toHex(new Uint8Array([0, 15, 255]).buffer)).toBe("000fff");
  });
});

describe("downloadFile", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  const bytes = new Uint8Array(100_000).map((_, i) => (i * 7) % 251);
  let sha = "";
  beforeAll(async () => {
    sha = toHex(await crypto.subtle.digest("SHA-256", bytes));
    expect(sha).toHaveLength(64);
  });

  function serve(body: Uint8Array, status = 200): void {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        const chunks = [body.slice(0, 30_000), body.slice(30_000)];
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            for (const chunk of chunks) controller.enqueue(chunk);
            controller.close();
          },
        });
        return new Response(stream, { status, headers: { "Content-Length": String(body.length) } });
      }),
    );
  }

  it("reads the body with progress and checks the SHA-256", async () => {
    serve(bytes);
    const progress: number[] = [];
    const blob = await downloadFile({ id: 4, name: "a.bin", size: bytes.length, sha256: sha }, (loaded) =>
      progress.push(loaded),
    );
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(bytes);
    expect(progress).toEqual([0, 30_000, 100_000]);
    expect(fetch).toHaveBeenCalledWith("/api/files/4", expect.objectContaining({ credentials: "same-origin" }));
  });

  it("refuses bytes whose SHA-256 differs", async () => {
    const damaged = bytes.slice();
    damaged[500] = (damaged[500] ?? 0) ^ 1;
    serve(damaged);
    await expect(
      downloadFile({ id: 4, name: "a.bin", size: bytes.length, sha256: sha }, () => undefined),
    ).rejects.toBeInstanceOf(ChecksumError);
  });

  it("passes on the server's refusal", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(
        async () =>
          new Response(JSON.stringify({ error: { code: "forbidden", message: "The file a.bin was declined." } }), {
            status: 403,
          }),
      ),
    );
    const refusal = downloadFile({ id: 4, name: "a.bin", size: 1, sha256: sha }, () => undefined);
    await expect(refusal).rejects.toBeInstanceOf(ApiError);
    await expect(refusal).rejects.toMatchObject({ status: 403, message: "The file a.bin was declined." });
  });
});

describe("uploadFile", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  class FakeXhr {
    static last: FakeXhr | null = null;
    method = "";
    url = "";
    headers: Record<string, string> = {};
    body: unknown = null;
    status = 0;
    responseText = "";
    upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = {
      onprogress: null,
    };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    onabort: (() => void) | null = null;
    constructor() {
      FakeXhr.last = this;
    }
    open(method: string, url: string): void {
      this.method = method;
      this.url = url;
    }
    setRequestHeader(name: string, value: string): void {
      this.headers[name] = value;
    }
    getResponseHeader(): string | null {
      return null;
    }
    send(body: unknown): void {
      this.body = body;
    }
    abort(): void {
      this.onabort?.();
    }
    answer(status: number, body: unknown): void {
      this.status = status;
      this.responseText = JSON.stringify(body);
      this.onload?.();
    }
  }

  it("posts the file itself with its name and recipient, reporting progress", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    const file = new File([new Uint8Array(10)], "my report.pdf", { type: "application/pdf" });
    const progress: number[] = [];
    const upload = uploadFile("7KQM-2XPD", file, "representatives", (loaded) => progress.push(loaded));
    const xhr = FakeXhr.last;
    if (xhr === null) throw new Error("no request");
    expect(xhr.method).toBe("POST");
    expect(xhr.url).toBe("/api/sessions/7KQM-2XPD/files?name=my+report.pdf&to=representatives");
    expect(xhr.headers["Content-Type"]).toBe("application/pdf");
    expect(xhr.body).toBe(file);
    xhr.upload.onprogress?.({ loaded: 5, total: 10, lengthComputable: true });
    xhr.answer(201, { file: { id: 3, name: "my report.pdf", size: 10, state: "offered" } });
    await expect(upload.promise).resolves.toMatchObject({ id: 3, name: "my report.pdf" });
    expect(progress).toEqual([5]);
  });

  it("rejects with the server's message, and when cancelled", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    const file = new File([new Uint8Array(3)], "big.bin");
    const refused = uploadFile("S", file, null, () => undefined);
    expect(FakeXhr.last?.url).toBe("/api/sessions/S/files?name=big.bin");
    expect(FakeXhr.last?.headers["Content-Type"]).toBe("application/octet-stream");
    FakeXhr.last?.answer(413, { error: { code: "too_large", message: "Files can be at most 1.0 MB." } });
    await expect(refused.promise).rejects.toMatchObject({ status: 413, code: "too_large", message: "Files can be at most 1.0 MB." });
    const cancelled = uploadFile("S", file, null, () => undefined);
    cancelled.abort();
    await expect(cancelled.promise).rejects.toMatchObject({ code: "aborted" });
  });
});
