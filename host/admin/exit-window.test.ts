import { describe, expect, it } from "vitest";
import { ExitWindow } from "./exit-window.ts";

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MIN = 60_000;

describe("ExitWindow", () => {
  it("puts each sample's growth in the minute it was seen, the first sample being the baseline", () => {
    const w = new ExitWindow(3);
    w.sample({ normal: 10, trap: 1 }, T0);
    w.sample({ normal: 12, trap: 1 }, T0 + 5_000);
    w.sample({ normal: 13, trap: 3 }, T0 + MIN + 1);
    const minutes = w.minutes(T0 + MIN + 2);
    expect(minutes.map((m) => m.exits)).toEqual([{}, { normal: 2 }, { normal: 1, trap: 2 }]);
    expect(minutes[2]!.start).toBe(new Date(T0 + MIN).toISOString());
  });

  it("forgets minutes older than the window", () => {
    const w = new ExitWindow(2);
    w.sample({ normal: 0 }, T0);
    w.sample({ normal: 4 }, T0 + 1);
    w.sample({ normal: 5 }, T0 + 3 * MIN);
    expect(w.minutes(T0 + 3 * MIN).map((m) => m.exits)).toEqual([{}, { normal: 1 }]);
  });
});
