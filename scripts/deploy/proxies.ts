/**
 * @module scripts/deploy/proxies
 * Starts nginx and Caddy in the foreground in a temp dir, each serving the config shipped in
 * deploy/ with only its listen port and upstream address replaced (so what is tried is what
 * the docs give). Not services: each is a child process of the try-out, stopped at its end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { join } from "node:path";

export interface Proxy {
  readonly name: string;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly stop: () => Promise<void>;
  readonly log: () => string;
}

/** A port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** `text` with `from` replaced by `to`; throws when `from` is not there (the file changed). */
function replaceOnce(file: string, text: string, from: RegExp, to: string): string {
  if (!from.test(text)) throw new Error(`${file}: ${String(from)} not found; update proxies.ts`);
  return text.replace(from, to);
}

/** Resolves once `port` accepts connections; rejects when the child exits first or after 10 s. */
async function listening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}:\n${log()}`);
    const ok = await new Promise<boolean>((done) => {
      const socket = createConnection(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), done(true)));
      socket.once("error", () => done(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`not listening on ${port} after 10 s:\n${log()}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

function run(name: string, command: string, args: string[]): [ChildProcess, () => string] {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  child.once("error", (err) => (out += `${name}: ${err.message}\n`));
  return [child, () => out];
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  await gone;
}

export interface ProxyOptions {
  /** The upstream `host:port` (rusm's listener). */
  upstream: string;
  /** A fresh temp dir for the proxy's files. */
  dir: string;
  /**
   * nginx only, the control runs: `buffering` turns proxy_buffering back on; `gzip` compresses
   * text/event-stream responses (gzip buffers its output, so this must hold the events).
   */
  variant?: "buffering" | "gzip" | "both" | undefined;
}

/** What each control variant changes, as its name. */
const VARIANTS = {
  buffering: "nginx with proxy_buffering on",
  gzip: "nginx with gzip on for text/event-stream",
  both: "nginx with proxy_buffering on and gzip on for text/event-stream",
} as const;

/** nginx (`nginx -p <dir> -g "daemon off;"`) serving deploy/nginx/rusm.conf. */
export async function startNginx(root: string, options: ProxyOptions): Promise<Proxy> {
  const file = join(root, "deploy", "nginx", "rusm.conf");
  const port = await freePort();
  let site = readFileSync(file, "utf8");
  site = replaceOnce(file, site, /server 127\.0\.0\.1:8080;/, `server ${options.upstream};`);
  site = replaceOnce(file, site, /listen 80;/, `listen 127.0.0.1:${port};`);
  if (options.variant === "buffering" || options.variant === "both") {
    site = replaceOnce(file, site, /proxy_buffering off;/, "proxy_buffering on;");
  }
  if (options.variant === "gzip" || options.variant === "both") {
    site = replaceOnce(file, site, /gzip off;/, "gzip on; gzip_types text/event-stream;");
  }
  writeFileSync(join(options.dir, "rusm.conf"), site);
  writeFileSync(
    join(options.dir, "nginx.conf"),
    [
      `pid ${join(options.dir, "nginx.pid")};`,
      `error_log ${join(options.dir, "error.log")} info;`,
      "worker_processes 1;",
      "events { worker_connections 1024; }",
      "http {",
      `  access_log ${join(options.dir, "access.log")};`,
      `  include ${join(options.dir, "rusm.conf")};`,
      "}",
      "",
    ].join("\n"),
  );
  const [child, log] = run("nginx", "nginx", [
    "-p",
    options.dir,
    "-c",
    join(options.dir, "nginx.conf"),
    "-g",
    "daemon off;",
  ]);
  const errorLog = (): string => {
    try {
      return log() + readFileSync(join(options.dir, "error.log"), "utf8");
    } catch {
      return log();
    }
  };
  await listening(port, child, errorLog);
  const name = options.variant === undefined ? "nginx" : VARIANTS[options.variant];
  return { name, url: `http://127.0.0.1:${port}`, stop: () => stopChild(child), log: errorLog };
}

/** Caddy (`caddy run`) serving deploy/caddy/Caddyfile, its admin API off. */
export async function startCaddy(root: string, options: ProxyOptions): Promise<Proxy> {
  const file = join(root, "deploy", "caddy", "Caddyfile");
  const port = await freePort();
  let site = readFileSync(file, "utf8");
  site = replaceOnce(file, site, /^:80 \{/m, `http://127.0.0.1:${port} {`);
  site = replaceOnce(
    file,
    site,
    /reverse_proxy 127\.0\.0\.1:8080/,
    `reverse_proxy ${options.upstream}`,
  );
  // Other things on the machine may hold Caddy's default admin port (2019).
  const config = join(options.dir, "Caddyfile");
  writeFileSync(config, `{\n\tadmin off\n}\n\n${site}`);
  const [child, log] = run("caddy", "caddy", ["run", "--config", config, "--adapter", "caddyfile"]);
  await listening(port, child, log);
  return { name: "caddy", url: `http://127.0.0.1:${port}`, stop: () => stopChild(child), log };
}
