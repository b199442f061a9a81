/**
 * sm-spin: a StarlingMonkey (JavaScript) guest that computes in a plain JS loop.
 *
 * - `GET /?n=N` runs N rounds of an integer xorshift step in a `for` loop and answers 200
 *   text/plain with the result: the JS-interpreter loop scripts/bench/preempt measures.
 * - Any other request spins in `while (true) {}` and never answers: the JS spinner of
 *   test/preemption.test.ts, killed at its `max-cpu-ms`.
 *
 * A StarlingMonkey (componentize-js) fetch-event guest; `FetchEvent` and `addEventListener` are
 * typed in sdk/ts/fetch-event.d.ts (the SDK).
 */

function work(rounds: number): number {
  let x = 2463534242 | 0;
  for (let i = 0; i < rounds; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x >>> 0;
}

addEventListener("fetch", (event) => {
  const n = new URL(event.request.url).searchParams.get("n");
  if (n === null) {
    while (true) {
      // spins: no host call, no allocation
    }
  }
  const body = `${work(Number(n))}\n`;
  event.respondWith(new Response(body, { headers: { "content-type": "text/plain" } }));
});
