/**
 * The SDK lifecycle rows (test/helpers/sdk-rows.ts) run for every guest language: each row
 * against each language's guests, through a real `rusm serve`. A language is one entry in
 * {@link LANGUAGES}: its guests (one build per engine), and what its guests say where languages
 * differ. TypeScript runs on both engines `rusm build` has (StarlingMonkey, QuickJS: the
 * guests' `.qjs` builds); Rust guests use the `rusm_rs` crate.
 *
 * What one language alone has stays in its own file: test/ts-guests.test.ts (the plain
 * wasi:http shape), test/broker-ts.test.ts (follow, a subscriber out of memory),
 * test/rust-guests.test.ts (the seed's example, out of memory mid-stream, `rusm build`).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ENGINES, ROOT, guest, rusmForSuite } from "./helpers/rusm.ts";
import { SDK_ROWS, runRow, sdkToml, type SdkBuild, type SdkLanguage } from "./helpers/sdk-rows.ts";

/** `file:LINE:COL` of the first occurrence of `text` in a guest's source. */
async function sourcePosition(file: string, text: string): Promise<[line: number, col: number]> {
  const lines = (await readFile(join(ROOT, file), "utf8")).split("\n");
  const line = lines.findIndex((l) => l.includes(text));
  expect(line, `${text} in ${file}`).toBeGreaterThanOrEqual(0);
  return [line + 1, lines[line]!.indexOf(text) + 1];
}

const LANGUAGES: Record<string, SdkLanguage> = {
  ts: {
    builds: ENGINES.map((engine) => ({
      label: engine,
      // StarlingMonkey's engine needs ~10 MB at rest and grows in large steps.
      handlers: { path: guest("ts-handlers", engine), memoryMb: 128 },
      live: { path: guest("ts-live", engine), memoryMb: 96 },
    })),
    echo: { handler: "later", reply: "later soon: 5 bytes\n" },
    handlerList: "api#feed, api#every, api#deaf, api#user",
    async boom(build) {
      const file = "guests/ts-handlers/guest.ts";
      const [line, col] = await sourcePosition(file, 'new Error("boom after 3 events")');
      // QuickJS's stack frames carry a line and no column.
      const at = build.label === "quickjs" ? `${file}:${line}\n` : `${file}:${line}:${col}`;
      return `api#boom threw Error: boom after 3 events\nboom@${at}`;
    },
    fails: "api#fails threw TypeError: fails before responding",
    liveCrash: "live#tail threw Error: boom on crash",
    left: /^feed: sse\.data returned false after \d+ events: client gone/,
  },
  rust: {
    builds: [
      {
        label: "rusm_rs",
        handlers: { path: guest("rs-handlers"), memoryMb: 16 },
        live: { path: guest("rs-live"), memoryMb: 16 },
      },
    ],
    echo: { handler: "echo", reply: "echo soon: 5 bytes\n" },
    handlerList: "api#feed, api#user, api#fields, api#head, api#echo, api#boom, api#hog, api#fails",
    async boom() {
      const [line, col] = await sourcePosition(
        "guests/rs-handlers/src/lib.rs",
        'expect("boom after 3 events")',
      );
      return `api#boom panicked at src/lib.rs:${line}:${col}:\nboom after 3 events`;
    },
    fails: /api#fails panicked at src\/lib\.rs:\d+:\d+:\nfails before responding/,
    liveCrash: /live#tail panicked at src\/lib\.rs:\d+:\d+:\nboom on crash/,
  },
};

for (const [name, lang] of Object.entries(LANGUAGES)) {
  describe.each(lang.builds)(`SDK lifecycle rows, ${name} guests on $label`, (build: SdkBuild) => {
    const rusm = rusmForSuite(sdkToml(lang, build));
    for (const row of SDK_ROWS) {
      it(`${row.name} (${row.path})`, () => runRow(row, rusm, lang, build));
    }
  });
}
