/**
 * @module scripts/bench/hello
 * Hello-world requests/s: `rusm serve` with `http-hello` (a fresh component instance per
 * request) against a plain node:http server sending the same bytes, side by side in one run.
 * See README.md beside this file.
 *
 *     node scripts/bench/hello/bench.ts [--short] [--seconds N] [--rounds N] [--warmup N]
 */
import { startPair } from "../lib/child.ts";
import { runMain } from "../lib/main.ts";
import { guestPath } from "../lib/paths.ts";
import { startPlain } from "../lib/plain.ts";
import { accessLogRows, beforeRows, compareRate, rateRows } from "../lib/rate.ts";
import type { BenchOptions, BenchReport } from "../lib/report.ts";
import { BEFORE_ROOT, WITH_ACCESS_LOG, startRusm, type RusmServer } from "../lib/rusm.ts";

/** The target from issue 5: hello at 0.5x plain Node or better (issue 2 asked 0.1x). */
export const HELLO_TARGET = 0.5;

export async function run(options: BenchOptions): Promise<BenchReport> {
  const errors: string[] = [];
  const guest = guestPath("http-hello");
  const [plain, rusm] = await startPair(startPlain, () =>
    startRusm({ components: { hello: guest }, routes: { "GET /": "hello" } }),
  );
  let before: RusmServer | null = null;
  let accessLog: RusmServer | null = null;
  try {
    if (WITH_ACCESS_LOG) {
      accessLog = await startRusm({
        components: { hello: guest },
        routes: { "GET /": "hello" },
        accessLog: true,
      });
    }
    if (BEFORE_ROOT !== null) {
      before = await startRusm({
        components: { hello: guest },
        routes: { "GET /": "hello" },
        root: BEFORE_ROOT,
      });
    }
    const sides = { plain, rusm, before, accessLog };
    const {
      plain: p,
      rusm: r,
      before: b,
      accessLog: a,
    } = await compareRate("hello", sides, "/", options, errors);
    const ratio = r.rps / p.rps;
    const target = { text: `>= ${HELLO_TARGET}x`, meets: ratio >= HELLO_TARGET };
    const rows = rateRows("hello", r, p, target);
    return {
      bench: "hello",
      rows: [
        ...rows,
        ...(b === null ? [] : beforeRows("hello", r, b)),
        ...(a === null ? [] : accessLogRows("hello", a, r)),
      ],
      errors,
    };
  } finally {
    await Promise.all([plain.stop(), rusm.stop(), before?.stop(), accessLog?.stop()]);
  }
}

if (import.meta.main) await runMain("hello", run);
