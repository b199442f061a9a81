#!/usr/bin/env node
// Waits until a URL answers 2xx (rusm's admin /readyz), polling twice a second; exit 0 then,
// exit 1 after the timeout. For systemd's ExecStartPost= (deploy/systemd/rusm.service), so
// that `systemctl start rusm` returns, and units ordered after rusm start, once it serves.
//
//   node wait-ready.mjs [URL] [TIMEOUT_SECONDS]     (default http://127.0.0.1:9464/readyz 170)
//
// Plain JavaScript with no imports: any Node >= 18 runs it (fetch).
const url = process.argv[2] ?? "http://127.0.0.1:9464/readyz";
const timeoutMs = Number(process.argv[3] ?? 170) * 1000;
const started = Date.now();
let last;
for (;;) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    if (res.ok) {
      process.stdout.write(
        `rusm ready: ${url} answered ${res.status} after ${Date.now() - started} ms\n`,
      );
      process.exit(0);
    }
    last = `status ${res.status}`;
  } catch (err) {
    last = String(err?.cause?.code ?? err?.message ?? err);
  }
  if (Date.now() - started > timeoutMs) {
    process.stderr.write(`rusm not ready: ${url} after ${timeoutMs / 1000} s (${last})\n`);
    process.exit(1);
  }
  await new Promise((done) => setTimeout(done, 500));
}
