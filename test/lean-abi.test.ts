/**
 * The lean ABI (host/abi/) against jco's glue on the same WAT guests: one server as configured
 * (http-hello and sse-finite take the lean path) and one with `RUSM_ABI=jco` (every component
 * through jco's glue) must answer with the same status line, headers (but `date`) and body
 * bytes, chunk framing included. Each server's debug log says which path it took.
 */
import { describe, expect, it } from "vitest";
import { RawHttp } from "./helpers/raw-http.ts";
import { expectExits } from "./helpers/exits.ts";
import { guest, routes, rusmForSuite, type Rusm } from "./helpers/rusm.ts";

const TOML = routes(
  `[components]\nhello = "${guest("http-hello")}"\nfinite = "${guest("sse-finite")}"\n\n` +
    `[serve.routes]\n"GET /hello" = "hello"\n"GET /finite" = "finite"\n`,
);

/** Status line and headers without `date` (it differs by the second), then the body. */
interface Answer {
  readonly head: string[];
  readonly body: string;
}

async function get(rusm: Rusm, path: string): Promise<Answer> {
  const raw = await RawHttp.get(rusm.url, path, { connection: "close" });
  await raw.until("the whole response", (r) => r.closed);
  const head = raw.head();
  expect(head, `a response head for ${path}`).not.toBeNull();
  const body = raw.body();
  expect(body.complete, `a complete chunked body for ${path}`).toBe(true);
  return {
    head: head!.split("\r\n").filter((l) => !/^date:/i.test(l)),
    body: body.data,
  };
}

/** The `abi` the server's debug log gives for each component (`jco: why` for the glue). */
function abiLog(rusm: Rusm): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of rusm.logs()) {
    if (typeof l.abi !== "string" || typeof l.component !== "string") continue;
    out[l.component] = typeof l.why === "string" ? `${l.abi}: ${l.why}` : l.abi;
  }
  return out;
}

describe("lean ABI and jco glue answer the same (http-hello, sse-finite)", () => {
  const lean = rusmForSuite(TOML, { env: { RUSM_LOG: "debug" } });
  const jco = rusmForSuite(TOML, { env: { RUSM_LOG: "debug", RUSM_ABI: "jco" } });

  it("the default server takes the lean path, RUSM_ABI=jco the glue", () => {
    expect(abiLog(lean)).toEqual({ hello: "lean", finite: "lean" });
    expect(abiLog(jco)).toEqual({ hello: "jco: RUSM_ABI=jco", finite: "jco: RUSM_ABI=jco" });
  });

  it("http-hello: byte-identical answers", async () => {
    const [a, b] = await Promise.all([get(lean, "/hello"), get(jco, "/hello")]);
    expect(a.body).toBe("hello from wat\n");
    expect(a.head[0]).toBe("HTTP/1.1 200 OK");
    expect(a.head).toContain("content-type: text/plain");
    expect(b).toEqual(a);
  });

  it("sse-finite: byte-identical bodies (five events, chunked, a clean end)", async () => {
    const [a, b] = await Promise.all([get(lean, "/finite"), get(jco, "/finite")]);
    expect(a.body).toBe(Array.from({ length: 5 }, (_, i) => `data: tick ${i}\n\n`).join(""));
    expect(a.head).toContain("content-type: text/event-stream");
    expect(b).toEqual(a);
  });

  it("ten of each on both paths: the same answers, every exit normal", async () => {
    const before = [await lean.exits(), await jco.exits()] as const;
    for (let i = 0; i < 10; i++) {
      for (const path of ["/hello", "/finite"]) {
        const [a, b] = await Promise.all([get(lean, path), get(jco, path)]);
        expect(b).toEqual(a);
      }
    }
    await expectExits(lean, before[0], { normal: 20 });
    await expectExits(jco, before[1], { normal: 20 });
  });
});
