/**
 * @module process/stdio
 * Captures a process's stdout or stderr into the host log, line by line, with its process id.
 *
 * Limits: at most {@link MAX_LOGGED_BYTES} per stream per process are logged (then one notice);
 * the last {@link TAIL_BYTES} of stderr are kept to print with an abnormal exit.
 */
import type { Logger } from "../log/index.ts";

export const MAX_LOGGED_BYTES = 64 * 1024;
export const TAIL_BYTES = 2048;

export class StdioCapture {
  readonly #log: () => Logger;
  readonly #stream: "stdout" | "stderr";
  /** One decoder per stream: with `stream: true` it holds a split UTF-8 sequence between writes. */
  readonly #decoder = new TextDecoder();
  #partial = "";
  #logged = 0;
  #dropped = false;
  #tail = "";

  /** `log` gives the process's logger (made on first use). */
  constructor(log: () => Logger, stream: "stdout" | "stderr") {
    this.#log = log;
    this.#stream = stream;
  }

  /** The last bytes written, as text. */
  get tail(): string {
    return this.#tail + this.#partial;
  }

  write(bytes: Uint8Array): void {
    const text = this.#partial + this.#decoder.decode(bytes, { stream: true });
    const lines = text.split("\n");
    this.#partial = lines.pop() ?? "";
    for (const line of lines) this.#line(line);
    if (this.#partial.length > MAX_LOGGED_BYTES) {
      this.#line(this.#partial);
      this.#partial = "";
    }
  }

  /** Logs what is left of an unterminated last line. */
  flush(): void {
    this.#partial += this.#decoder.decode();
    if (this.#partial.length > 0) this.#line(this.#partial);
    this.#partial = "";
  }

  #line(line: string): void {
    this.#tail = (this.#tail + line + "\n").slice(-TAIL_BYTES);
    if (this.#logged >= MAX_LOGGED_BYTES) {
      if (!this.#dropped) {
        this.#dropped = true;
        this.#log().warn(
          { stream: this.#stream },
          `guest ${this.#stream}: more than ${MAX_LOGGED_BYTES} bytes, the rest is not logged`,
        );
      }
      return;
    }
    this.#logged += line.length + 1;
    this.#log().info({ stream: this.#stream }, line);
  }
}
