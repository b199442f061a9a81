import { describe, expect, it } from "vitest";
import { Fields } from "./http/fields.ts";
import {
  FIELD_ENTRY_BYTES,
  HostMemory,
  HostMemoryExceeded,
  RESOURCE_BYTES,
} from "./host-memory.ts";

const bytes = (n: number): Uint8Array => new Uint8Array(n).fill(0x61);

describe("HostMemory: what a process makes the host hold", () => {
  it("charges fields a guest makes, entry by entry, and gives it back on delete and drop", () => {
    const account = new HostMemory(1 << 20);
    const fields = Fields.forProcess(account);
    expect(account.used).toBe(RESOURCE_BYTES);
    fields.append("x-a", bytes(100));
    expect(account.used).toBe(RESOURCE_BYTES + 3 + 100 + FIELD_ENTRY_BYTES);
    fields.set("x-a", [bytes(10), bytes(20)]);
    expect(account.used).toBe(RESOURCE_BYTES + 2 * (3 + FIELD_ENTRY_BYTES) + 30);
    fields.delete("x-a");
    expect(account.used).toBe(RESOURCE_BYTES);
    const list = Fields.fromList([["x-b", bytes(50)]], account);
    const copy = list.clone();
    expect(account.used).toBe(RESOURCE_BYTES * 3 + 2 * (3 + 50 + FIELD_ENTRY_BYTES));
    fields[Symbol.dispose]();
    list[Symbol.dispose]();
    copy[Symbol.dispose]();
    expect(account.used).toBe(0);
  });

  it("traps over the cap, counting nothing for the refused entry, and says why", () => {
    const account = new HostMemory(64 * 1024);
    const fields = Fields.forProcess(account);
    const value = bytes(16 * 1024);
    let appended = 0;
    expect(() => {
      for (;;) {
        fields.append("x-big", value);
        appended++;
      }
    }).toThrow(HostMemoryExceeded);
    expect(appended).toBe(3);
    expect(account.used).toBeLessThanOrEqual(account.capBytes);
    expect(account.exceeded).toMatch(/fields.append would make the host hold \d+ bytes/);
    expect(fields.list).toHaveLength(3);
  });

  it("does not charge the host's own fields (a request's headers)", () => {
    const account = new HostMemory(1);
    const headers = Fields.fromHost([["x-a", bytes(10)]], true);
    expect(headers.has("x-a")).toBe(true);
    expect(account.used).toBe(0);
  });
});
