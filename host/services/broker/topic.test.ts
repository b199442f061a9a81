import { describe, expect, it } from "vitest";
import { isPattern, MAX_TOPIC_LENGTH, patternMatcher, topicProblem } from "./topic.ts";

describe("broker topics", () => {
  it("accepts dotted topics and, for subscriptions, whole-segment wildcards", () => {
    for (const t of ["news", "news.sport", "tenant-7.orders_v2"])
      expect(topicProblem(t, false)).toBeNull();
    expect(topicProblem("news.*", true)).toBeNull();
    expect(topicProblem("*.sport.*", true)).toBeNull();
  });

  it("says what is wrong with a bad topic", () => {
    expect(topicProblem("", false)).toBe("a topic cannot be empty");
    expect(topicProblem("news.*", false)).toMatch(/"\*" is for subscribing to a pattern/);
    expect(topicProblem("news..x", true)).toMatch(/an empty segment/);
    expect(topicProblem("news.sp*", true)).toMatch(/the segment "sp\*" has a character/);
    expect(topicProblem("a b", false)).toMatch(/the segment "a b"/);
    expect(topicProblem("x".repeat(MAX_TOPIC_LENGTH + 1), false)).toMatch(/at most 255/);
  });

  it("matches * to exactly one segment", () => {
    const match = patternMatcher("news.*");
    expect(match("news.sport")).toBe(true);
    expect(match("news")).toBe(false);
    expect(match("news.sport.live")).toBe(false);
    expect(match("weather.sport")).toBe(false);
    expect(patternMatcher("*.b")("a.b")).toBe(true);
    expect(isPattern("news.*")).toBe(true);
    expect(isPattern("news.x")).toBe(false);
  });
});
