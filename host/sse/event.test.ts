import { describe, expect, it } from "vitest";
import { thrown } from "../errors.test-support.ts";
import { SseFieldError, formatComment, formatEvent } from "./event.ts";

describe("formatEvent", () => {
  it("writes a data-only event and the blank line that dispatches it", () => {
    expect(formatEvent({ data: "tick 1" })).toBe("data: tick 1\n\n");
  });

  it("writes every field, in the order clients read them", () => {
    expect(formatEvent({ name: "update", id: "7", retry: 3000, data: "x" })).toBe(
      "event: update\nid: 7\nretry: 3000\ndata: x\n\n",
    );
  });

  it("splits data at LF, CRLF and CR into data lines", () => {
    expect(formatEvent({ data: "a\nb\r\nc\rd" })).toBe("data: a\ndata: b\ndata: c\ndata: d\n\n");
  });

  it("keeps an empty data line (an event with empty data)", () => {
    expect(formatEvent({ data: "" })).toBe("data: \n\n");
  });

  it("refuses a line break in the event name or id", () => {
    expect(thrown(() => formatEvent({ name: "a\nb", data: "" }))).toBeInstanceOf(SseFieldError);
    expect(thrown(() => formatEvent({ id: "1\r", data: "" }))).toBeInstanceOf(SseFieldError);
  });
});

describe("formatComment", () => {
  it("writes one comment line per line of text", () => {
    expect(formatComment("heartbeat")).toBe(": heartbeat\n");
    expect(formatComment("a\nb")).toBe(": a\n: b\n");
  });
});
