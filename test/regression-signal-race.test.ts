/**
 * Regression (issue 2's integration suite; fixed in e12db31): a SIGTERM or SIGINT that
 * arrived right after rusm had printed `rusm ... listening on ...` killed it outright.
 *
 * Symptom: a supervisor (a test harness, systemd, a container runtime) that waited for the
 * listening line and then stopped rusm at once sometimes saw it die by the signal (exit status
 * null / 143, no `shutting down` and `stopped` log lines, no graceful shutdown) instead of exit
 * 0. Measured by stopping it the moment the line arrives: about 1 start in 4 to 8.
 *
 * Root cause: host/cli/serve.ts wrote both listening lines and only then installed its
 * `process.once("SIGINT" | "SIGTERM")` handlers; a signal in between met Node's default
 * action. The handlers must be in place before rusm announces that it is listening.
 *
 * The test makes the race deterministic instead of statistical: a preload (`--import`) wraps
 * `process.stdout.write` and sends the signal to the process itself right after the admin
 * listening line is written, i.e. at the worst moment a supervisor could. Nothing of rusm is
 * replaced; only the signal's timing is fixed.
 */
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { guest, routes, runRusm, writeRoutes, removeTempDirs } from "./helpers/rusm.ts";

const PRELOAD = (signal: string): string => `
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  const result = write(chunk, ...rest);
  if (String(chunk).includes("admin listening on")) {
    process.stderr.write("preload: ${signal} sent\\n");
    process.kill(process.pid, "${signal}");
  }
  return result;
};
`;

describe("regression: a signal right after the listening line shuts rusm down gracefully", () => {
  afterAll(removeTempDirs);

  for (const signal of ["SIGTERM", "SIGINT"]) {
    it(`${signal} the moment the listening lines are out: exit 0 after a graceful shutdown`, async () => {
      const file = await writeRoutes(
        routes(
          `[components]\nhello = "${guest("http-hello")}"\n\n[serve.routes]\n"GET /hello" = "hello"\n`,
        ),
      );
      const preload = join(dirname(file), `signal-${signal}.mjs`);
      await writeFile(preload, PRELOAD(signal));

      const run = await runRusm(["serve", file], {
        nodeArgs: ["--import", preload],
        timeoutMs: 30_000,
      });
      expect(run.stderr, "the preload sent the signal after the listening line").toContain(
        `preload: ${signal} sent`,
      );
      expect(run.stdout).toMatch(/rusm listening on http:\/\//);
      expect(run.code, `rusm died by ${signal} instead of shutting down\n${run.stderr}`).toBe(0);
      expect(run.stderr).toContain('"msg":"shutting down"');
      expect(run.stderr).toContain('"msg":"stopped"');
    });
  }
});
