/**
 * @module scripts/bench/lib/sides
 * Side-by-side rounds: every side is measured once per round, the order alternating between
 * rounds (A B, B A, ...), so slow drift on a shared machine hits every side alike.
 */
import { cpuMs } from "./proc.ts";

export interface Side<T> {
  name: string;
  /** The server's pid, to read its CPU time around each round. */
  pid: number;
  /** One measured round. */
  measure(): Promise<T>;
}

export interface Measured<T> {
  result: T;
  /** Server CPU time used during the round, ms. */
  cpuMs: number;
}

/** Runs `rounds` rounds; returns each side's rounds, in side order. */
export async function alternate<T>(
  sides: Array<Side<T>>,
  rounds: number,
  log: (line: string) => void,
  describe: (result: T) => string,
): Promise<Array<Array<Measured<T>>>> {
  const out = sides.map(() => [] as Array<Measured<T>>);
  for (let round = 0; round < rounds; round++) {
    const order = sides.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const side = sides[i]!;
      const cpu0 = cpuMs(side.pid);
      const result = await side.measure();
      const used = cpuMs(side.pid) - cpu0;
      out[i]!.push({ result, cpuMs: used });
      log(
        `  round ${round + 1}/${rounds} ${side.name.padEnd(10)} ${describe(result)}, server CPU ${used} ms`,
      );
    }
  }
  return out;
}
