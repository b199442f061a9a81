/**
 * ts-probe: the memory-isolation probe in TypeScript, for every engine a TypeScript guest is
 * built with. It reports what it finds of earlier requests (a module-level counter, a marker
 * in a global object, a big array's length), then leaves marks behind; `?grow` also allocates
 * a few MiB, so the engine grows its memory. Each request must find `count=0 marker=fresh
 * hog=0` (test/memory-isolation.test.ts): a fresh instance every time, whether its memory is
 * a new one or a pooled one restored to the initial image.
 *
 * @engines starlingmonkey quickjs
 */
let count = 0;
const state = { marker: "fresh" };
const hog: string[] = [];

export default function handle(request: Request): Response {
  const seen = `count=${count} marker=${state.marker} hog=${hog.length}\n`;
  count++;
  state.marker = "dirty";
  if (new URL(request.url).searchParams.has("grow")) {
    for (let i = 0; i < 64; i++) hog.push(`${i}`.padEnd(65_536, "x"));
  } else {
    hog.push("x");
  }
  return new Response(seen, { headers: { "content-type": "text/plain" } });
}
