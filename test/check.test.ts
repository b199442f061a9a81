/**
 * `rusm check` (issue 20, point 3): the lifecycle table as a command for CI. The example routes
 * must pass every row that applies to them; a guest that ignores failed writes (sse-deaf) must
 * fail, saying why; the JUnit XML says the same; a route that is not in the file is a usage
 * error.
 */
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, guest, removeTempDirs, runRusm, writeRoutes } from "./helpers/rusm.ts";
import { makeCert } from "./helpers/tls.ts";

afterAll(removeTempDirs);

/** The output lines for `route`'s rows: `ok  ` or `FAIL`, route, row, detail. */
function rows(stdout: string, route: string): string[] {
  return stdout.split("\n").filter((l) => l.slice(5).startsWith(`${route} `));
}

describe("rusm check", () => {
  it("the example routes pass every row that applies (finite, stalled reader, disconnect, nothing left)", async () => {
    const junit = join(ROOT, "build", "check-examples.xml");
    const run = await runRusm(["check", "examples/routes.toml", "--junit", junit], {
      timeoutMs: 600_000,
    });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    // A finite route and a stream, each with its rows.
    expect(rows(run.stdout, "GET /hello").map((l) => l.slice(0, 4))).toEqual(["ok  ", "ok  "]);
    expect(rows(run.stdout, "GET /hello")[0]).toMatch(/finite +200, 15 bytes, exit normal/);
    const feed = rows(run.stdout, "GET /feed");
    expect(feed).toHaveLength(3);
    expect(feed[0]).toMatch(/stalled reader +.*held \(limit \d+ KiB\).*CPU \d+ ms\/s/);
    expect(feed[1]).toMatch(/disconnect +exit disconnected in \d+ ms/);
    expect(feed[2]).toMatch(/nothing left +0 processes/);
    expect(run.stdout).toMatch(/^passed: 12 routes, \d+ rows, (\d+) passed, 0 failed$/m);
    const xml = await readFile(junit, "utf8");
    expect(xml).toMatch(/<testsuites tests="\d+" failures="0"/);
    expect(xml).toContain('classname="GET /feed" name="disconnect"');
  }, 600_000);

  it("a guest that ignores failed writes fails, saying why, exit 1 (and in the JUnit XML)", async () => {
    const file = await writeRoutes(
      `[components]\ndeaf = ${JSON.stringify(guest("sse-deaf"))}\nhello = ${JSON.stringify(guest("http-hello"))}\n\n[serve.routes]\n"GET /deaf" = "deaf"\n"GET /hello" = "hello"\n`,
    );
    const junit = join(file, "..", "check.xml");
    const run = await runRusm(["check", file, "--junit", junit], { timeoutMs: 300_000 });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    const deaf = rows(run.stdout, "GET /deaf");
    expect(deaf.some((l) => l.startsWith("FAIL"))).toBe(true);
    // Its processes outlive their clients: the disconnect grace kills them, seconds later.
    expect(deaf.join("\n")).toMatch(/still running|exit killed|after \d+ ms \(limit 1000 ms\)/);
    expect(rows(run.stdout, "GET /hello").every((l) => l.startsWith("ok  "))).toBe(true);
    expect(run.stdout).toMatch(/^FAILED: 2 routes, \d+ rows, \d+ passed, [1-9]\d* failed$/m);
    expect(await readFile(junit, "utf8")).toMatch(/<failure message="[^"]+"/);
  }, 300_000);

  it("an app served over [serve] tls (a self-signed certificate) is checked over HTTPS", async () => {
    // The certificate beside routes.toml, named relative to it.
    const file = await writeRoutes("");
    makeCert(dirname(file));
    await writeFile(
      file,
      `[serve]\ntls = { cert = "cert.pem", key = "key.pem" }\n\n[components]\nfeed = ${JSON.stringify(guest("sse-endless"))}\nhello = ${JSON.stringify(guest("http-hello"))}\n\n[serve.routes]\n"GET /feed" = "feed"\n"GET /hello" = "hello"\n`,
    );
    const run = await runRusm(["check", file], { timeoutMs: 300_000 });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(rows(run.stdout, "GET /feed")[1]).toMatch(/disconnect +exit disconnected in \d+ ms/);
    expect(run.stdout).toMatch(/^passed: 2 routes, 5 rows, 5 passed, 0 failed$/m);
  }, 300_000);

  it("only the routes named; an unknown one is a usage error naming the routes there are", async () => {
    const only = await runRusm(["check", "examples/routes.toml", "--route", "/hello"], {
      timeoutMs: 300_000,
    });
    expect(only.code, only.stderr).toBe(0);
    expect(only.stdout).toMatch(/^passed: 1 routes, 2 rows, 2 passed, 0 failed$/m);
    const unknown = await runRusm(["check", "examples/routes.toml", "--route", "GET /nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error[RUSM_USAGE] no route "GET /nope" in');
    expect(unknown.stderr).toContain('"GET /hello"');
  }, 300_000);
});
