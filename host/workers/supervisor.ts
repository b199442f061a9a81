/**
 * @module workers/supervisor
 * `rusm serve` on every core: the main thread supervises N worker threads, each a whole
 * single-thread server (workers/worker.ts) listening on the same public port with
 * `SO_REUSEPORT`, so the kernel spreads connections over them with no hop through this thread.
 * The supervisor holds what is one per node: the admin listener (metrics summed over the
 * workers, `POST /publish` through the hub), the broker hub and its Redis link, and the
 * watchdog, which replaces a worker whose event loop stalls.
 *
 * Startup: the public port is bound here first (port 0 resolved to a real one), then worker 1
 * starts alone, so that the first transpile/compile fills the disk cache once and its progress
 * lines print once, then the others; once all listen, this thread's own listener closes. A
 * worker's load error is thrown here as it was raised there (a RusmError prints as ever). The
 * admin listener starts first, so that `/readyz` says 503 while the workers load.
 */
import type { Server as HttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import type { Config } from "../config/index.ts";
import { EXIT_REASONS } from "../lifecycle/exit.ts";
import type { Logger } from "../log/index.ts";
import {
  METRICS,
  createMetrics,
  createSupervisorMetrics,
  type Metrics,
  type SupervisorMetrics,
} from "../metrics/index.ts";
import { createAdminServer, EXIT_SAMPLE_MS, publicAdminWarning } from "../admin/server.ts";
import type { Readiness } from "../admin/health.ts";
import { ExitWindow } from "../admin/exit-window.ts";
import type { StatusSnapshot } from "../admin/status-snapshot.ts";
import { closeServer, listen, urlOf } from "../server/listen.ts";
import type { Swapped } from "../server/index.ts";
import type { ExitTallyReader } from "./exit-tally.ts";
import { WorkerHandle, type Closed } from "./handle.ts";
import { Hub } from "./hub.ts";
import { MetricsAggregator } from "./metrics.ts";
import { STALL_SIGNALS, type Silence } from "./silence.ts";
import { nodeStatus } from "./status.ts";
import { STALL_LIMITS, Watchdog, type Stall, type Watched } from "./watchdog.ts";

export interface SupervisorOptions {
  readonly cacheDir: string;
  readonly log: Logger;
  /** Worker threads (>= 1). */
  readonly workers: number;
  readonly progress?: ((line: string) => void) | undefined;
  /** Told the admin listener's URL as soon as it listens (before the workers are loaded). */
  readonly onAdminListening?: ((url: string) => void) | undefined;
}

export interface RunningNode {
  /** `http://host:port` of the public port, which every worker listens on. */
  readonly url: string;
  readonly adminUrl: string | null;
  /** Live processes over all workers (as their heartbeats last said). */
  live(): number;
  /**
   * Drains every worker for up to `drainMs` (default `[serve] drain-ms`) and closes the admin
   * listener; what the drain did and the exits, merged.
   */
  close(drainMs?: number): Promise<Closed>;
  /** Stops every worker at once (a second signal during a drain). */
  terminate(): Promise<void>;
  /**
   * Swaps new versions of `config`'s components and routes into every worker (`rusm dev`,
   * see server/index.ts `swap`); other settings stay as started.
   */
  swap(config: Config, reload: ReadonlySet<string>): Promise<Swapped>;
}

/** How long a scrape waits for a worker before using its last answer. */
const SCRAPE_TIMEOUT_MS = 2_000;

/** Adds `b`'s exit counts to `a`. */
function addExits(a: Record<string, number>, b: Record<string, number>): void {
  for (const [reason, n] of Object.entries(b)) a[reason] = (a[reason] ?? 0) + n;
}

/** Exit counts by component, then by reason. */
type ExitsByComponent = Record<string, Record<string, number>>;

/** Adds `b`'s exit counts to `a`, component by component. */
function addExitsBy(a: ExitsByComponent, b: ExitsByComponent): void {
  for (const [component, exits] of Object.entries(b)) addExits((a[component] ??= {}), exits);
}

/** The counts of every component, summed by reason. */
function byReason(exits: ExitsByComponent): Record<string, number> {
  const out: Record<string, number> = {};
  for (const counts of Object.values(exits)) addExits(out, counts);
  return out;
}

class Supervisor {
  /** What a worker started now serves (a swap changes its components and routes). */
  #config: Config;
  /** The node's next process id, shared by all workers (lifecycle/registry.ts). */
  readonly #pids = new SharedArrayBuffer(4);
  readonly #options: SupervisorOptions;
  readonly #log: Logger;
  readonly metrics: Metrics = createMetrics();
  readonly #own: SupervisorMetrics;
  readonly hub: Hub;
  /** Exits come from the workers' tallies, not from their (possibly stale) scrape answers. */
  readonly #aggregator = new MetricsAggregator([METRICS.processExits.name]);
  readonly #watchdog: Watchdog;
  readonly workers = new Map<number, WorkerHandle>();
  /** The tallies of replaced workers; `final` once the thread is gone (its live ones lost). */
  readonly #retired: Array<{ readonly tally: ExitTallyReader; final: boolean }> = [];
  #closing = false;
  /** For the status page: when it started, its exits by minute, its watchdog restarts. */
  readonly #startedAt = Date.now();
  readonly #exitWindow = new ExitWindow();
  readonly #restarts: Record<string, number> = Object.fromEntries(STALL_SIGNALS.map((s) => [s, 0]));
  #exitSampler: NodeJS.Timeout | null = null;
  /** Until every first worker listens (`/readyz` says `starting`). */
  #starting = true;
  /** Indices of workers being replaced (by the watchdog, or after an unexpected end). */
  readonly #replacing = new Set<number>();

  constructor(config: Config, options: SupervisorOptions) {
    this.#config = config;
    this.#options = options;
    this.#log = options.log;
    this.#own = createSupervisorMetrics(this.metrics.registry);
    this.hub = new Hub(this.metrics);
    this.#watchdog = new Watchdog({
      onStall: (watched, stall) => this.#stalled(watched, stall),
      onLongStep: (watched, silence) => this.#longStep(watched, silence),
    });
    for (const signal of STALL_SIGNALS) {
      this.#own.watchdogRestarts.inc({ signal }, 0);
      this.#own.watchdogConnectionsCut.inc({ signal }, 0);
    }
    // Every reason of every component from 0; the counts come from the workers' tallies.
    this.#setExits();
  }

  /** Starts worker `index`; resolves once it listens (and is watched and in the hub). */
  async spawn(index: number, progress: boolean): Promise<WorkerHandle> {
    const startedWith = this.#config;
    const handle = new WorkerHandle(
      index,
      {
        config: startedWith,
        cacheDir: this.#options.cacheDir,
        progress,
        peers: this.#options.workers - 1,
        pids: this.#pids,
      },
      this.hub,
    );
    this.workers.set(index, handle);
    const watched: Watched = {
      index,
      heartbeat: handle.heartbeat,
      killFlag: handle.killFlag,
    };
    // Its kill flag is watched from the start; its heartbeat once it serves (loading is long).
    this.#watchdog.watch(watched);
    try {
      await handle.ready;
    } catch (err) {
      this.#watchdog.unwatch(index);
      this.workers.delete(index);
      await handle.terminate();
      throw err;
    }
    if (this.#watchdog.checkStalls(index) === "process") {
      this.#log.warn(
        { worker: index },
        "watchdog: this system does not show a thread's CPU time (/proc/self/task/<tid>/schedstat); a worker is judged on the whole process's",
      );
    }
    await this.#catchUp(handle, startedWith);
    handle.serving = true;
    this.#replacing.delete(index);
    this.hub.join(handle);
    void handle.exited.then((code) => this.#exited(handle, code));
    this.#own.workers.set(this.#serving().length);
    return handle;
  }

  /**
   * A worker that loaded while a swap went to the serving ones (`rusm dev`, a replacement
   * started under load) was given the config before it, and loaded its files as they were
   * then: it reloads every component of the config now before it counts as serving, so no
   * worker goes on serving a version the others left. A failure leaves it on what it loaded
   * (logged), as a swap that fails on one worker does.
   */
  async #catchUp(handle: WorkerHandle, startedWith: Config): Promise<void> {
    let loadedWith = startedWith;
    while (loadedWith !== this.#config) {
      const now = this.#config;
      try {
        await handle.swap(now, new Set(now.components.keys()));
      } catch (err) {
        this.#log.error(
          { worker: handle.index, err },
          "a worker started before a swap could not load the swapped version: it serves the version it loaded",
        );
        return;
      }
      loadedWith = now;
    }
  }

  /** Every first worker listens. */
  started(): void {
    this.#starting = false;
  }

  /** What `GET /readyz` says (admin/health.ts). */
  readiness(): Readiness {
    const expected = this.#options.workers;
    const listening = this.#serving().length;
    const components = [...this.#config.components.keys()];
    const waiting: string[] = [];
    if (this.#closing) waiting.push("the node is draining (shutting down): no new connections");
    for (let i = 1; i <= expected; i++) {
      if (this.workers.get(i)?.serving === true) continue;
      waiting.push(
        this.#replacing.has(i)
          ? `worker ${i}: replaced, its replacement is loading ${components.join(", ")}`
          : `worker ${i}: loading ${components.join(", ")}`,
      );
    }
    const state = this.#closing
      ? "draining"
      : this.#starting
        ? "starting"
        : waiting.length > 0
          ? "degraded"
          : "serving";
    return {
      ready: waiting.length === 0,
      state,
      workers: { expected, listening },
      components,
      waiting,
    };
  }

  /** The workers that listen (not those still loading). */
  #serving(): WorkerHandle[] {
    return [...this.workers.values()].filter((h) => h.serving);
  }

  /** Prometheus text: every worker's metrics, summed, with the supervisor's own. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    // A worker still loading would not answer; a replaced one's counters are retired already.
    const handles = this.#serving();
    const answers = await Promise.all(handles.map((h) => h.metrics(SCRAPE_TIMEOUT_MS)));
    handles.forEach((h, i) => {
      const answer = answers[i];
      if (answer !== null && answer !== undefined) this.#aggregator.answered(h.index, answer);
    });
    const current = this.#aggregator.current(handles.map((h) => h.index));
    this.#setExits();
    const merged = await this.#aggregator.merge(this.metrics.registry, current);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }

  /** Exits by reason over the node's life (every tally, as {@link #setExits} counts them). */
  exitTotals(): Record<string, number> {
    const exits = this.#retiredExits();
    for (const handle of this.workers.values()) addExitsBy(exits, handle.tally.exits());
    return byReason(exits);
  }

  /** Samples the exits for the status page's window every {@link EXIT_SAMPLE_MS} until close. */
  sampleExits(): void {
    this.#exitWindow.sample(this.exitTotals());
    this.#exitSampler = setInterval(
      () => this.#exitWindow.sample(this.exitTotals()),
      EXIT_SAMPLE_MS,
    ).unref();
  }

  /** The status page's snapshot: every worker's part, merged (workers/status.ts). */
  status(): Promise<StatusSnapshot> {
    this.#exitWindow.sample(this.exitTotals());
    return nodeStatus([...this.workers.values()], {
      startedAt: this.#startedAt,
      exitsByMinute: this.#exitWindow.minutes(),
      exitsTotal: this.exitTotals(),
      watchdogRestarts: { ...this.#restarts },
    });
  }

  /**
   * `rusm_process_exits_total` from every tally: the workers' now (their threads share it), the
   * replaced ones', and the processes lost with those as `killed`. Each exit once.
   */
  #setExits(): void {
    const exits = this.#retiredExits();
    for (const handle of this.workers.values()) addExitsBy(exits, handle.tally.exits());
    // Set, not added: a counter whose value is read from elsewhere (it only grows there).
    this.metrics.processExits.reset();
    for (const component of this.#config.components.keys()) {
      for (const reason of EXIT_REASONS) {
        this.metrics.processExits.inc({ component, reason }, exits[component]?.[reason] ?? 0);
      }
    }
  }

  /** The exits of replaced workers, those lost with them as `killed` once their thread ended. */
  #retiredExits(): ExitsByComponent {
    const exits: ExitsByComponent = {};
    for (const { tally, final } of this.#retired) {
      addExitsBy(exits, tally.exits());
      if (!final) continue;
      for (const [component, lost] of Object.entries(tally.liveByComponent())) {
        addExitsBy(exits, { [component]: { killed: lost } });
      }
    }
    return exits;
  }

  /** Live processes over all workers. */
  live(): number {
    let n = 0;
    for (const handle of this.workers.values()) n += handle.heartbeat.processes;
    return n;
  }

  /**
   * Swaps `config`'s components and routes into every serving worker (`rusm dev`); a worker
   * started later (a replacement) serves them too. Only components and routes are taken from
   * `config`. Throws the first worker's error: every worker loads the same files, so they fail
   * alike, and then none changed; a worker that fails alone keeps its old version (said in the
   * log).
   */
  async swap(config: Config, reload: ReadonlySet<string>): Promise<Swapped> {
    const next: Config = { ...this.#config, components: config.components, routes: config.routes };
    const handles = [...this.workers.values()].filter((h) => h.serving);
    const answers = await Promise.allSettled(handles.map((h) => h.swap(next, reload)));
    const failed = answers.flatMap((a) => (a.status === "rejected" ? [a.reason as unknown] : []));
    const done = answers.flatMap((a) => (a.status === "fulfilled" ? [a.value] : []));
    // With no worker serving (all being replaced), the replacements take it up (#catchUp).
    if (done.length > 0 || handles.length === 0) this.#config = next;
    if (failed.length > 0) {
      if (done.length > 0) {
        this.#log.error(
          { swapped: done.length, failed: failed.length, err: failed[0] },
          "a swap failed on some workers only: they serve the old version",
        );
      }
      throw failed[0];
    }
    return done[0] ?? { loaded: [], removed: [] };
  }

  /** Drains every worker (server/index.ts `close`) for up to `drainMs`; what they did, summed. */
  async close(drainMs: number): Promise<Closed> {
    this.#closing = true;
    if (this.#exitSampler !== null) clearInterval(this.#exitSampler);
    // Kill flags stay watched while the workers close: a spinner's budget still ends it.
    this.#watchdog.stopStallChecks();
    const handles = [...this.workers.values()];
    const answers = await Promise.all(handles.map((h) => h.close(drainMs)));
    this.#watchdog.stop();
    const exits = byReason(this.#retiredExits());
    let live = 0;
    let streamsEnded = 0;
    let stoppedAtDeadline = 0;
    answers.forEach((answer, i) => {
      if (answer === null) {
        // It did not answer (stuck): its processes are lost, as killed.
        const lost = handles[i]!.heartbeat.processes;
        addExits(exits, { killed: lost });
        live += lost;
        return;
      }
      addExits(exits, answer.exits);
      live += answer.live;
      streamsEnded += answer.streamsEnded;
      stoppedAtDeadline += answer.stoppedAtDeadline;
    });
    await this.hub.close();
    return { exits, live, streamsEnded, stoppedAtDeadline };
  }

  /** Stops every worker now, whatever runs (a second signal during a drain). */
  async terminate(): Promise<void> {
    this.#closing = true;
    this.#watchdog.stop();
    await Promise.all([...this.workers.values()].map((h) => h.terminate()));
  }

  /** Stops every worker now (a failed start). */
  async abort(): Promise<void> {
    this.#closing = true;
    this.#watchdog.stop();
    await Promise.all([...this.workers.values()].map((h) => h.terminate()));
    await this.hub.close();
  }

  /** The watchdog saw `watched` stall: count what it cuts, stop it, start another. */
  #stalled(watched: Watched, stall: Stall): void {
    const handle = this.workers.get(watched.index);
    if (handle === undefined || this.#closing) return;
    const connections = watched.heartbeat.connections;
    const processes = handle.tally.live();
    this.#log.error(
      {
        worker: watched.index,
        signal: stall.signal,
        stalledMs: Math.round(stall.wallMs),
        cpuMs: Math.round(stall.cpuMs),
        blockedMs: Math.round(stall.blockedMs),
        clock: stall.clock,
        connectionsCut: connections,
        processesLost: processes,
      },
      "watchdog: a worker's event loop stalled; replacing the worker (its connections are cut, its processes lost)",
    );
    this.#own.watchdogRestarts.inc({ signal: stall.signal });
    this.#restarts[stall.signal] = (this.#restarts[stall.signal] ?? 0) + 1;
    this.#own.watchdogConnectionsCut.inc({ signal: stall.signal }, connections);
    this.#replace(handle);
  }

  /**
   * A beat ended a long silence (a step of over a tenth of the limit): said in the log, a
   * warning past half the limit. Bounded work per turn (lifecycle/run-queue.ts) keeps rusm's
   * own steps far below it; one here is a guest without checks, a huge GC, or a bug.
   */
  #longStep(watched: Watched, silence: Silence): void {
    const fields = {
      worker: watched.index,
      cpuMs: Math.round(silence.cpuMs),
      stalledMs: Math.round(silence.wallMs),
      limitCpuMs: STALL_LIMITS.cpuMs,
    };
    const message = "watchdog: a worker's event loop was held by one long step (it beat again)";
    if (silence.cpuMs > STALL_LIMITS.cpuMs / 2) this.#log.warn(fields, message);
    else this.#log.info(fields, message);
  }

  /** A worker ended without being asked (an uncaught error): replace it too. */
  #exited(handle: WorkerHandle, code: number): void {
    if (this.#closing || this.workers.get(handle.index) !== handle) return;
    this.#log.error(
      {
        worker: handle.index,
        code,
        err: handle.error ?? undefined,
        processesLost: handle.tally.live(),
      },
      "a worker thread ended unexpectedly; replacing it",
    );
    this.#replace(handle);
  }

  #replace(handle: WorkerHandle): void {
    const index = handle.index;
    this.#replacing.add(index);
    this.workers.delete(index);
    this.#watchdog.unwatch(index);
    this.hub.leave(index);
    this.#aggregator.retire(index);
    // Every exit is counted: its tally stays, and once its thread is gone (no exit can be
    // counted any more) the processes it still had count as killed.
    const retired = { tally: handle.tally, final: false };
    this.#retired.push(retired);
    this.#own.workers.set(this.#serving().length);
    void handle.terminate().then(() => {
      retired.final = true;
      if (this.#closing) return;
      this.spawn(index, false).then(
        () => this.#log.info({ worker: index }, "watchdog: the replacement worker is serving"),
        (err: unknown) =>
          this.#log.error(
            { worker: index, err },
            "watchdog: the replacement worker failed to start",
          ),
      );
    });
  }
}

/**
 * Starts `workers` worker threads on the public port, and the admin listener. Throws what a
 * worker's load threw (a RusmError for bad input), or a RUSM_LISTEN_FAILED.
 */
export async function startNode(config: Config, options: SupervisorOptions): Promise<RunningNode> {
  // Bound here first, without SO_REUSEPORT: a port in use fails as ever, even when its holder
  // shares it (another rusm), and port 0 becomes the port every worker takes. Then held with
  // SO_REUSEPORT until the workers listen, so that no one else takes it meanwhile.
  const check: Server = createServer();
  await listen(check, config.serve.listen, "serve.listen");
  const url = urlOf(check, config.serve.tls === null ? "http" : "https");
  const port = new URL(url).port;
  await closeServer(check);
  // It shares the port's accept queue with the workers (SO_REUSEPORT): a client that connects
  // before they listen can land here. Nothing here answers, so it is reset at once (its client
  // retries), not held: a held connection would keep closeServer below waiting, and rusm would
  // never finish starting.
  const probe: Server = createServer({ pauseOnConnect: true }, (socket) =>
    socket.resetAndDestroy(),
  );
  await listen(probe, { ...config.serve.listen, port: Number(port) }, "serve.listen", true);
  const workerConfig: Config = {
    ...config,
    serve: { ...config.serve, listen: { ...config.serve.listen, port: Number(port) } },
  };
  const supervisor = new Supervisor(workerConfig, options);
  let admin: HttpServer | null = null;
  try {
    // The admin listener first: /readyz answers 503 while the workers load.
    if (config.admin !== null) {
      supervisor.sampleExits();
      const server = createAdminServer(
        {
          metrics: () => supervisor.scrape(),
          publish: (topic, data) => supervisor.hub.publish(topic, data),
          readiness: () => supervisor.readiness(),
          status: () => supervisor.status(),
        },
        config.admin,
      );
      await listen(server, config.admin.listen, "admin.listen");
      admin = server;
      const warning = publicAdminWarning(config.admin);
      if (warning !== null) options.log.warn({ admin: urlOf(admin) }, warning);
      options.onAdminListening?.(urlOf(admin));
    }
    if (config.broker.backend !== "memory") {
      await supervisor.hub.useRedis(config.broker.backend, options.log);
    }
    await supervisor.spawn(1, options.progress !== undefined);
    const rest = [];
    for (let i = 2; i <= options.workers; i++) rest.push(supervisor.spawn(i, false));
    await Promise.all(rest);
    supervisor.started();
  } catch (err) {
    await closeServer(probe);
    if (admin !== null) {
      admin.closeAllConnections();
      await closeServer(admin);
    }
    await supervisor.abort();
    throw err;
  }
  await closeServer(probe);
  const adminServer = admin;
  return {
    url,
    adminUrl: adminServer === null ? null : urlOf(adminServer),
    live: () => supervisor.live(),
    terminate: () => supervisor.terminate(),
    swap: (next, reload) => supervisor.swap(next, reload),
    async close(drainMs = config.serve.drainMs) {
      const closed = await supervisor.close(drainMs);
      if (adminServer !== null) {
        adminServer.closeAllConnections();
        await closeServer(adminServer);
      }
      return closed;
    },
  };
}
