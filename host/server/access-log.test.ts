import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { AccessEntry } from "./access-log.ts";

/** A real pino logger writing into an array of parsed lines. */
function capture(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ base: null }, sink), lines };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("AccessEntry", () => {
  it("waits for both the end of the response and the process's exit, in either order, and writes once", async () => {
    for (const order of ["ended first", "exited first"] as const) {
      const { log, lines } = capture();
      const entry = new AccessEntry(log, "GET", "/feed?x=1", "GET /feed");
      entry.served(7);
      entry.sent(10);
      entry.sent(5);
      if (order === "ended first") {
        entry.ended(200);
        await tick();
        expect(lines, "no line before the exit").toEqual([]);
        entry.exited("disconnected");
      } else {
        entry.exited("disconnected");
        await tick();
        expect(lines, "no line before the response ended").toEqual([]);
        entry.ended(200);
      }
      entry.ended(500); // a second end changes nothing
      await tick();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        method: "GET",
        path: "/feed",
        route: "GET /feed",
        status: 200,
        bytes: 15,
        pid: 7,
        exit: "disconnected",
        msg: "request",
      });
    }
  });

  it("never throws when the logger does", () => {
    const broken = {
      info() {
        throw new Error("stdout is gone");
      },
    } as unknown as pino.Logger;
    const entry = new AccessEntry(broken, "GET", "/", "(none)");
    expect(() => entry.ended(404)).not.toThrow();
  });
});
