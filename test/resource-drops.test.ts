/**
 * Dropping unused resources never traps, on either ABI (issue 14). The http-drops guest
 * answers, then makes one kind of resource, leaves it unused and drops it: the request unread,
 * an incoming-body, its input-stream, a future-trailers, fields (new, and the request's
 * headers), an outgoing-response never set, an outgoing-body never written nor finished, and
 * pollables (a clock's and an input-stream's). Each case is asked with a request body (POST),
 * so the bodies dropped unread have bytes in them, and without one (GET). One server serves it
 * on the lean ABI, one through jco's glue (`RUSM_ABI=jco`): every answer is whole and every
 * exit `normal`, with no abnormal-exit log line. (The unread request whose guest imports no
 * function of it: regression-drop-unread.test.ts.)
 */
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { exitLogs, expectExits } from "./helpers/exits.ts";
import { guest, routes, rusmForSuite, type Rusm } from "./helpers/rusm.ts";

const TOML = routes(
  `[components]\ndrops = "${guest("http-drops")}"\n\n[serve.routes]\n"/*" = "drops"\n`,
  "workers = 1",
);

const CASES = [
  "/request",
  "/body",
  "/stream",
  "/trailers",
  "/fields",
  "/response",
  "/outgoing-body",
  "/pollable",
] as const;

/** Asks for one case; a POST carries 100 KB the guest never reads. */
async function ask(rusm: Rusm, path: string, method: "GET" | "POST"): Promise<string> {
  const res = await request(`${rusm.url}${path}`, {
    method,
    ...(method === "POST" ? { body: "x".repeat(100_000) } : {}),
  });
  expect(res.statusCode, `${method} ${path}`).toBe(200);
  return res.body.text();
}

for (const [name, env] of [
  ["the lean ABI", {}],
  ["jco's glue (RUSM_ABI=jco)", { RUSM_ABI: "jco" }],
] as const) {
  describe(`dropping unused resources on ${name}`, () => {
    const rusm = rusmForSuite(TOML, { env });

    for (const path of CASES) {
      it(`${path}: answered whole, exit normal (GET and POST)`, async () => {
        const before = await rusm.exits();
        expect(await ask(rusm, path, "GET")).toBe(`dropped ${path}\n`);
        expect(await ask(rusm, path, "POST")).toBe(`dropped ${path}\n`);
        await expectExits(rusm, before, { normal: 2 });
      });
    }

    it("no abnormal exit was logged", () => {
      expect(exitLogs(rusm, { component: "drops" })).toEqual([]);
    });
  });
}
