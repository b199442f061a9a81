/**
 * @module test/helpers/swarm
 * Thousands of event-stream clients in a child process (swarm-process.ts): open them, read
 * what they saw, and kill the process to drop every connection at once.
 */
import { fork, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SwarmReport } from "./swarm-process.ts";

export type { SwarmReport } from "./swarm-process.ts";

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), "swarm-process.ts");

interface Reply {
  op: string;
  total?: number;
  report?: SwarmReport;
  message?: string;
}

export class Swarm {
  readonly child: ChildProcess;
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcess) {
    this.child = child;
    this.#exited = new Promise((done) => child.once("exit", () => done()));
  }

  /** Starts the client process for `GET path` on `baseUrl`. */
  static async start(baseUrl: string, path: string): Promise<Swarm> {
    const { hostname, port } = new URL(baseUrl);
    const child = fork(ENTRY, [hostname, port, path], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    await new Promise<void>((done, fail) => {
      child.once("message", () => done());
      child.once("exit", (code) => fail(new Error(`swarm exited (${code}) before it was ready`)));
    });
    return new Swarm(child);
  }

  #ask(request: object, answer: string): Promise<Reply> {
    return new Promise((done, fail) => {
      const onMessage = (reply: Reply): void => {
        if (reply.op === "error") fail(new Error(`swarm: ${reply.message}`));
        else if (reply.op !== answer) return;
        else done(reply);
        this.child.off("message", onMessage);
      };
      this.child.on("message", onMessage);
      this.child.send(request);
    });
  }

  /** Opens `n` more clients; resolves once every head arrived. */
  async open(n: number): Promise<number> {
    return (await this.#ask({ op: "open", n }, "opened")).total!;
  }

  async report(): Promise<SwarmReport> {
    return (await this.#ask({ op: "report" }, "report")).report!;
  }

  /** SIGKILL: every connection drops at once, as when a client host or a proxy dies. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.#exited;
  }
}
