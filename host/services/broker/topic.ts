/**
 * @module broker/topic
 * Topic names and patterns.
 *
 * A topic is one or more segments joined by `.`; a segment is letters, digits, `_` or `-`
 * (`news`, `news.sport`, `tenant-7.orders`). A pattern may use `*` for exactly one segment
 * (`news.*` matches `news.sport`, not `news` nor `news.sport.live`). At most
 * {@link MAX_TOPIC_LENGTH} characters. Publishing goes to a topic, never to a pattern.
 */

export const MAX_TOPIC_LENGTH = 255;

const SEGMENT = /^[A-Za-z0-9_-]+$/;

export const TOPIC_EXPECTED = `segments of letters, digits, "_" or "-" joined by "." (e.g. "news.sport"), at most ${MAX_TOPIC_LENGTH} characters`;

/** Why `text` is not a topic (or, with `pattern`, not a pattern); null when it is. */
export function topicProblem(text: string, pattern: boolean): string | null {
  if (text.length === 0) return "a topic cannot be empty";
  if (text.length > MAX_TOPIC_LENGTH) {
    return `a topic is at most ${MAX_TOPIC_LENGTH} characters (this one has ${text.length})`;
  }
  for (const segment of text.split(".")) {
    if (segment === "*") {
      if (pattern) continue;
      return `"*" is for subscribing to a pattern; publish to a topic (e.g. "news.sport")`;
    }
    if (!SEGMENT.test(segment)) {
      return segment === ""
        ? `an empty segment (a topic cannot start or end with "." or have "..")`
        : `the segment "${segment}" has a character other than letters, digits, "_" or "-"${pattern ? ` (a wildcard is a whole segment: "*")` : ""}`;
    }
  }
  return null;
}

/** True when `text` (a valid pattern) has a wildcard. */
export function isPattern(text: string): boolean {
  return text.split(".").includes("*");
}

/** A compiled pattern: does `topic` match it? */
export function patternMatcher(pattern: string): (topic: string) => boolean {
  const want = pattern.split(".");
  return (topic) => {
    const got = topic.split(".");
    if (got.length !== want.length) return false;
    for (let i = 0; i < want.length; i++) {
      if (want[i] !== "*" && want[i] !== got[i]) return false;
    }
    return true;
  };
}
