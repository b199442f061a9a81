/**
 * @module scripts/deploy/try-proxies
 * Tries rusm behind nginx and Caddy for real, with the configs in deploy/ (docs/deploying.md):
 *
 *   apt-get install -y nginx caddy       # once; not needed by npm test
 *   node scripts/deploy/try-proxies.ts [nginx] [caddy]
 *
 * Serves examples/routes.toml (its guests built: `npm run build:guests -- http-hello
 * sse-endless live-tail ts-ws`) on free ports, starts each proxy in the foreground in a temp
 * dir, and prints one PASS/FAIL line per check: a live feed arrives event by event, a client
 * leaving at the proxy ends its rusm process as `disconnected`, a WebSocket route answers.
 * A control run of nginx with proxy_buffering on and gzip on for text/event-stream must hold the
 * events (so the check can fail); each setting alone is reported as measured (INFO lines).
 * Exit 1 on any FAIL. Not part of `npm test`: it needs the two apt packages and root-free ports.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnRusm, stopServer } from "../../host/testing/index.ts";
import { disconnect, liveFeed, webSocket, type Result } from "./checks.ts";
import { startCaddy, startNginx, type Proxy, type ProxyOptions } from "./proxies.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const wanted = process.argv.slice(2);
const proxies = wanted.length > 0 ? wanted : ["nginx", "caddy"];
let failed = 0;

function line(ok: boolean, what: string, detail: string): void {
  if (!ok) failed++;
  console.log(`${ok ? "PASS" : "FAIL"} ${what}: ${detail}`);
}

function installed(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function guarded(check: () => Promise<Result>): Promise<Result> {
  try {
    return await check();
  } catch (err) {
    return { ok: false, detail: `threw: ${String(err)}` };
  }
}

const rusm = await spawnRusm(
  [join(ROOT, "examples", "routes.toml"), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"],
  { admin: true, timeoutMs: 600_000 },
);
const adminUrl = rusm.adminUrl!;
const upstream = new URL(rusm.url).host;
console.log(`rusm listening on ${rusm.url}, admin ${adminUrl}`);

const starters: Record<string, (options: ProxyOptions) => Promise<Proxy>> = {
  nginx: (options) => startNginx(ROOT, options),
  caddy: (options) => startCaddy(ROOT, options),
};
const dirs: string[] = [];
const temp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "rusm-proxy-"));
  dirs.push(dir);
  return dir;
};

/**
 * The controls: nginx with settings changed. proxy_buffering on and gzip on text/event-stream
 * together must hold the events (it shows the live-feed check can fail). Each alone is
 * reported as measured (INFO): nginx 1.22 passed these small events on at once with either
 * one; docs/deploying.md says why both are off anyway.
 */
async function controls(): Promise<void> {
  for (const variant of ["buffering", "gzip", "both"] as const) {
    const control = await startNginx(ROOT, { upstream, dir: temp(), variant });
    try {
      const feed = await guarded(() => liveFeed(control.url, adminUrl));
      const what = `${control.name}: ${feed.ok ? "passed on" : "held"}: ${feed.detail}`;
      if (variant === "both") line(!feed.ok, "control: the live-feed check fails", what);
      else console.log(`INFO ${what}`);
    } finally {
      await control.stop();
    }
  }
}

try {
  for (const name of proxies) {
    const start = starters[name];
    if (start === undefined) {
      line(false, name, "unknown proxy (nginx, caddy)");
      continue;
    }
    if (!installed(name)) {
      console.log(`SKIP ${name}: not installed (apt-get install -y ${name})`);
      continue;
    }
    let proxy: Proxy;
    try {
      proxy = await start({ upstream, dir: temp() });
    } catch (err) {
      line(false, `${name} starts`, String(err));
      continue;
    }
    console.log(`${proxy.name} listening on ${proxy.url} -> ${rusm.url}`);
    try {
      const feed = await guarded(() => liveFeed(proxy.url, adminUrl));
      line(feed.ok, `${name} SSE live feed /tail/<topic> event by event`, feed.detail);
      const gone = await guarded(() => disconnect(proxy.url, adminUrl));
      line(gone.ok, `${name} client leaves /feed -> rusm exit disconnected`, gone.detail);
      const ws = await guarded(() => webSocket(proxy.url));
      line(ws.ok, `${name} WebSocket /ws/echo`, ws.detail);
    } finally {
      await proxy.stop();
    }
    if (name === "nginx") await controls();
  }
} finally {
  const code = await stopServer(rusm.child, rusm.exited);
  console.log(`rusm stopped (exit ${code})`);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
console.log(failed === 0 ? "all checks passed" : `${failed} check(s) failed`);
process.exit(failed === 0 ? 0 : 1);
