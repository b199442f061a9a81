/**
 * @module cli/ps
 * `rusm ps [routes.toml] [--admin URL] [--token TOKEN] [--json]`: what a running rusm shows on
 * its status page (`GET /status.json` on its admin listener), printed as tables
 * (cli/ps-table.ts) or as the JSON itself.
 *
 * Which admin listener: `--admin URL`; else the `[admin] listen` of the routes.toml given;
 * else {@link DEFAULT_ADMIN_URL}. The token (`[admin] token`): `--token`, else
 * `RUSM_ADMIN_TOKEN`, else the routes.toml's.
 */
import { RusmError } from "../errors.ts";
import { loadConfig } from "../config/index.ts";
import type { StatusSnapshot } from "../admin/status-snapshot.ts";
import { formatStatus } from "./ps-table.ts";

/** The admin URL without a routes file or `--admin`: `[admin] listen`'s usual address. */
export const DEFAULT_ADMIN_URL = "http://127.0.0.1:9464";

/** How long `rusm ps` waits for the answer. */
const FETCH_TIMEOUT_MS = 5_000;

export interface PsFlags {
  admin?: string | undefined;
  token?: string | undefined;
  json?: boolean | undefined;
}

/** The admin URL and token to ask, from the flags, the routes file and the environment. */
async function target(
  routesFile: string | undefined,
  flags: PsFlags,
): Promise<{ url: string; token: string | null }> {
  let url = flags.admin ?? null;
  let token = flags.token ?? process.env.RUSM_ADMIN_TOKEN ?? null;
  if (routesFile !== undefined) {
    const config = await loadConfig(routesFile);
    token ??= config.admin?.token ?? null;
    if (url === null) {
      const listen = config.admin?.listen;
      if (listen === undefined) {
        throw new RusmError("RUSM_USAGE", `${routesFile} has no [admin] table: no admin listener`, {
          hint: 'add [admin] listen = "127.0.0.1:9464" to it, or give --admin URL',
        });
      }
      if (listen.port === 0) {
        throw new RusmError(
          "RUSM_USAGE",
          `${routesFile}'s [admin] listen has port 0: the port rusm took is in its "rusm admin listening on" line`,
          { hint: "give that address as --admin http://HOST:PORT" },
        );
      }
      const host = listen.host.includes(":") ? `[${listen.host}]` : listen.host;
      url = `http://${host}:${listen.port}`;
    }
  }
  url ??= DEFAULT_ADMIN_URL;
  if (!/^https?:\/\//.test(url)) url = `http://${url}`;
  return { url: url.replace(/\/+$/, ""), token };
}

/** Fetches the snapshot; a RUSM_ADMIN_UNREACHABLE when there is none to be had. */
async function fetchStatus(url: string, token: string | null): Promise<StatusSnapshot> {
  const where = `${url}/status.json`;
  let res: Response;
  try {
    res = await fetch(where, {
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new RusmError(
      "RUSM_ADMIN_UNREACHABLE",
      `cannot reach rusm's admin listener at ${url} (${cause})`,
      {
        hint: `is rusm serving with an [admin] listener there? Give its address: rusm ps --admin http://HOST:PORT (default ${DEFAULT_ADMIN_URL}), or rusm ps routes.toml`,
      },
    );
  }
  if (res.status === 401) {
    throw new RusmError(
      "RUSM_ADMIN_UNREACHABLE",
      `${where} answered 401: ${(await res.text()).trim()}`,
      {
        hint: "give [admin] token as --token TOKEN, RUSM_ADMIN_TOKEN, or rusm ps routes.toml",
      },
    );
  }
  if (!res.ok) {
    throw new RusmError("RUSM_ADMIN_UNREACHABLE", `${where} answered ${res.status}`, {
      hint: "is this rusm's admin listener, of a rusm with a status page (0.1.0 or later)?",
    });
  }
  return (await res.json()) as StatusSnapshot;
}

export async function psCommand(routesFile: string | undefined, flags: PsFlags): Promise<number> {
  const { url, token } = await target(routesFile, flags);
  const snapshot = await fetchStatus(url, token);
  process.stdout.write(
    flags.json === true ? `${JSON.stringify(snapshot, null, 2)}\n` : `${formatStatus(snapshot)}\n`,
  );
  return 0;
}
