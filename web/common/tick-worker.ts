/**
 * A clock for screen sharing (see screen.ts): a worker's timer keeps its pace in a
 * hidden tab, where a page's timers are slowed to once a second or less. It ticks
 * every N milliseconds, N being the first message.
 */

interface WorkerScope {
  onmessage: ((event: MessageEvent<unknown>) => void) | null;
  postMessage(message: unknown): void;
}

const scope = self as unknown as WorkerScope;
let timer: ReturnType<typeof setInterval> | null = null;

scope.onmessage = (event) => {
  const ms = typeof event.data === "number" && event.data >= 10 ? event.data : 100;
  if (timer !== null) clearInterval(timer);
  timer = setInterval(() => scope.postMessage(0), ms);
};
