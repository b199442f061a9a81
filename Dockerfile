# rusm in a container: serves examples/routes.toml (replace it with your routes file and guests).
# docs/deploying.md. Build and run (Docker or Podman):
#
#   docker build -t rusm .
#   docker run --rm -p 8080:8080 rusm
#
# Both stages start from Debian. The build stage needs npm only to run `npm ci`: rusm brings
# its own Node 24 (the `node` npm package, node_modules/.bin/node), which serves at run time.
ARG BASE=debian:bookworm-slim

FROM ${BASE} AS build
# Behind a TLS-inspecting proxy, its CA: mount a bundle holding it over the stage's own and
# pass its path (docs/deploying.md); stays out of the final image.
ARG NODE_EXTRA_CA_CERTS
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates nodejs npm \
 && rm -rf /var/lib/apt/lists/*
# Debian's npm 9 runs on Node 18 and does not read the lockfile's `libc` fields: it leaves out
# native optional packages (oxc-minify's binding). It only installs Node 24 and npm 11 here.
RUN npm install --global --no-audit --no-fund node@24.21.0 \
 && hash -r && npm install --global --no-audit --no-fund npm@11.19.1 \
 && hash -r && node --version && npm --version
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# `rusm build --engine quickjs` compiles with Debian's clang and wasi-libc (build:guests makes
# a QuickJS build of the guests that ask for one, ts-handlers and ts-live among them).
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 \
 && rm -rf /var/lib/apt/lists/*
COPY . .
# The example's guests (WAT and TypeScript); your own: `npx rusm build` them here.
RUN npm run build:guests -- http-hello sse-endless sse-ts-feed http-echo ts-handlers \
      live-tail ts-live ts-ws http-fetch-upstream \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE}
# A system user without a shell or a writable home: rusm writes only its cache.
RUN useradd --system --uid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin rusm \
 && mkdir -p /var/cache/rusm && chown rusm /var/cache/rusm
WORKDIR /app
COPY --from=build /app /app
# The transpiled components are cached here (default: node_modules/.cache/rusm, read-only in
# the image). Mount a volume on it to keep the cache across containers: starts get faster.
ENV RUSM_CACHE_DIR=/var/cache/rusm
USER rusm
EXPOSE 8080
# rusm drains on SIGTERM (live streams end cleanly, finite requests get [serve] drain-ms,
# 10 s by default): give `docker stop` more than that, e.g. `docker stop -t 30`.
STOPSIGNAL SIGTERM
# The admin listener stays on the container's loopback (127.0.0.1:9464, from routes.toml);
# Node's fetch asks its /readyz (200 once every worker serves), no curl needed.
HEALTHCHECK --interval=10s --timeout=5s --start-period=180s --retries=3 \
  CMD ["/app/node_modules/.bin/node", "-e", "fetch('http://127.0.0.1:9464/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node itself is PID 1 (no npm or shell in between), so SIGTERM reaches rusm.
ENTRYPOINT ["/app/node_modules/.bin/node", "/app/bin/rusm.mjs"]
CMD ["serve", "examples/routes.toml", "--listen", "0.0.0.0:8080"]
