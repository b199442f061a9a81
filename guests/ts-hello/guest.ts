/**
 * ts-hello: the smallest TypeScript guest of the SDK's shape, built with both engines. Every
 * request gets 200 `content-type: text/plain` and `hello from typescript\n`, declared with its
 * length. Measured by scripts/bench/sm-hello with `--engine starlingmonkey|quickjs` against a
 * plain node:http server sending the same bytes.
 *
 * @engines starlingmonkey quickjs
 */
const BODY = "hello from typescript\n";

export default function handle(_request: Request): Response {
  return new Response(BODY, {
    headers: { "content-type": "text/plain", "content-length": String(BODY.length) },
  });
}
