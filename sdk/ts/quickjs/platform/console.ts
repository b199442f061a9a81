/**
 * @module rusm/guest/quickjs/platform/console
 * `console` (stdout, stderr), `Math.random` from the host, timers and `queueMicrotask`; the
 * hook `__rusm_timers` engine.c calls once no promise job is pending.
 */
import { g, show } from "./global.js";

const line = (args: unknown[]) => args.map(show).join(" ");
g["console"] = {
  log: (...a: unknown[]) => __rusm.print(1, line(a)),
  info: (...a: unknown[]) => __rusm.print(1, line(a)),
  debug: (...a: unknown[]) => __rusm.print(1, line(a)),
  warn: (...a: unknown[]) => __rusm.print(2, line(a)),
  error: (...a: unknown[]) => __rusm.print(2, line(a)),
};

Math.random = () => __rusm.random();

// ---- timers: engine.c runs __rusm_timers once no promise job is pending ----
interface Timer {
  id: number;
  at: number;
  fn: () => void;
  every: number;
}
let timers: Timer[] = [];
let nextTimer = 1;
function addTimer(fn: unknown, ms: unknown, every: boolean, args: unknown[]): number {
  const delay = Math.max(0, Number(ms) || 0);
  const id = nextTimer++;
  const call = () => (fn as (...a: unknown[]) => void)(...args);
  timers.push({ id, at: __rusm.now() + delay, fn: call, every: every ? Math.max(1, delay) : 0 });
  return id;
}
g["setTimeout"] = (fn: unknown, ms?: unknown, ...args: unknown[]) => addTimer(fn, ms, false, args);
g["setInterval"] = (fn: unknown, ms?: unknown, ...args: unknown[]) => addTimer(fn, ms, true, args);
g["clearTimeout"] = g["clearInterval"] = (id: number) => {
  timers = timers.filter((t) => t.id !== id);
};
g["queueMicrotask"] = (fn: () => void) => void Promise.resolve().then(fn);
g["__rusm_timers"] = (): number => {
  if (timers.length === 0) return -1;
  const now = __rusm.now();
  let first = timers[0]!;
  for (const t of timers) if (t.at < first.at) first = t;
  if (first.at > now) return first.at - now;
  if (first.every > 0) first.at = now + first.every;
  else timers = timers.filter((t) => t !== first);
  first.fn();
  return 0;
};
