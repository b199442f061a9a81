/**
 * NodeExchange over a real node:http server and raw client sockets: what Node would refuse or
 * mis-frame ends this exchange only (issue 15, points 4 and 5; issue 14's response rules).
 *
 * The entries handed to `respond` and the trailers handed to the channel here skip the guest's
 * checks (wasi/http/fields refuses 0x01 before it gets this far): these tests are the host's own
 * defence, with Node's real `writeHead` and `addTrailers` throwing `ERR_INVALID_CHAR`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ByteChannel } from "../stream/channel.ts";
import type { FieldEntry } from "../wasi/index.ts";
import { NodeExchange } from "./exchange.ts";

type Handler = (exchange: NodeExchange, faults: string[]) => void;

let server: Server;
let port = 0;
/** What the next request does with its exchange. */
let next: Handler = () => undefined;
const faultsOf: string[][] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const exchange = new NodeExchange(req, res, () => undefined);
    const faults: string[] = [];
    faultsOf.push(faults);
    exchange.onFault((why) => faults.push(why));
    next(exchange, faults);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const bytes = (text: string): Uint8Array => Buffer.from(text, "latin1");
const entry = (name: string, value: string): FieldEntry => [name, bytes(value)];

/** Sends `request` raw and collects what comes back until the server closes or `quietMs` pass. */
async function exchange(
  request: string,
  quietMs = 300,
): Promise<{ text: string; closed: boolean }> {
  const socket = connect({ host: "127.0.0.1", port });
  let text = "";
  socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
  socket.on("error", () => undefined);
  const ended = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.write(request);
  await Promise.race([ended, new Promise((r) => setTimeout(r, quietMs))]);
  const closed = socket.destroyed || socket.readableEnded;
  socket.destroy();
  return { text, closed };
}

const GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

describe("NodeExchange", () => {
  it("a head sent alone (no body bytes yet) keeps a header value's obs-text byte as one latin1 byte", async () => {
    next = (ex) => {
      const body = new ByteChannel(64);
      ex.respond(200, [entry("x-obs-text", "caf\xe9")], body);
      // The head goes out at the end of this turn, alone; the body comes a while later.
      setTimeout(() => {
        body.write(bytes("late"));
        body.finish();
      }, 50);
    };
    const got = await exchange(GET);
    expect(got.text).toContain("\r\nx-obs-text: caf\xe9\r\n");
    expect(got.text).toContain("4\r\nlate\r\n0\r\n\r\n");
  });

  it("a header Node refuses (0x01) in writeHead: 500, one fault, the next request served", async () => {
    let n = 0;
    next = (ex) => {
      n++;
      const body = new ByteChannel(64);
      body.write(bytes("fine"));
      body.finish();
      if (n === 1) ex.respond(200, [entry("x-bad", "a\x01b")], body);
      else ex.respond(200, [entry("content-type", "text/plain")], body);
    };
    faultsOf.length = 0;
    const got = await exchange(GET + GET);
    const responses = got.text.split("HTTP/1.1 ").slice(1);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toMatch(/^500 /);
    expect(responses[0]).toContain("the response head could not be sent");
    expect(responses[1]).toMatch(/^200 /);
    expect(responses[1]).toContain("fine");
    expect(faultsOf[0]).toHaveLength(1);
    expect(faultsOf[1]).toHaveLength(0);
  });

  it("a trailer Node refuses (0x01) at the end: the body is cut, one fault, nothing thrown", async () => {
    next = (ex) => {
      const body = new ByteChannel(64);
      ex.respond(200, [entry("trailer", "x-t")], body);
      body.write(bytes("data"));
      body.finish([["x-t", "a\x01b"]]);
    };
    faultsOf.length = 0;
    const got = await exchange(GET);
    expect(got.text).toMatch(/^HTTP\/1.1 200 /);
    expect(got.text).toMatch(/transfer-encoding: chunked/i);
    expect(got.text, "no terminating chunk").not.toContain("0\r\n\r\n");
    expect(got.closed).toBe(true);
    expect(faultsOf[0]).toHaveLength(1);
    expect(faultsOf[0]![0]).toContain("writing the response failed");
  });

  it("a 1xx status: 500 instead, one fault, the channel closed", async () => {
    let channel: ByteChannel | null = null;
    next = (ex) => {
      channel = new ByteChannel(64);
      ex.respond(103, [], channel);
    };
    faultsOf.length = 0;
    const got = await exchange(GET);
    expect(got.text).toMatch(/^HTTP\/1.1 500 /);
    expect(got.text).toContain("informational (1xx)");
    expect(channel!.closed).toBe(true);
    expect(faultsOf[0]).toHaveLength(1);
  });

  it("HEAD, 204, 304: the head at once with no body framing, the channel closed", async () => {
    const channels: ByteChannel[] = [];
    let status = 200;
    next = (ex) => {
      const body = new ByteChannel(64);
      channels.push(body);
      ex.respond(status, [entry("content-length", "5")], body);
    };
    const head = await exchange("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(head.text).toMatch(/^HTTP\/1.1 200 /);
    expect(head.text, "HEAD keeps the length GET would send").toContain("content-length: 5");
    expect(head.text).not.toMatch(/transfer-encoding/i);
    status = 204;
    const noContent = await exchange(GET);
    expect(noContent.text).toMatch(/^HTTP\/1.1 204 /);
    expect(noContent.text).not.toMatch(/content-length|transfer-encoding/i);
    status = 304;
    const notModified = await exchange(GET);
    expect(notModified.text).toMatch(/^HTTP\/1.1 304 /);
    expect(notModified.text).not.toMatch(/transfer-encoding/i);
    expect(channels.map((c) => c.closed)).toEqual([true, true, true]);
  });

  it("a declared content-length goes out; a body short of it at the end is cut, not ended", async () => {
    let short = false;
    next = (ex) => {
      const body = new ByteChannel(64);
      ex.respond(200, [entry("content-length", "8")], body);
      body.write(bytes(short ? "1234" : "12345678"));
      if (short) ex.endBody();
      else body.finish();
    };
    const whole = await exchange(GET + GET);
    expect(whole.text.match(/HTTP\/1.1 200 /g)).toHaveLength(2);
    expect(whole.text).toContain("content-length: 8\r\n");
    expect(whole.text).toContain("\r\n\r\n12345678HTTP/1.1 200 ");
    expect(whole.text).not.toMatch(/transfer-encoding/i);
    short = true;
    const cut = await exchange(GET + GET);
    expect(cut.text.match(/HTTP\/1.1 200 /g), "the second request is never answered").toHaveLength(
      1,
    );
    expect(cut.text.endsWith("\r\n\r\n1234")).toBe(true);
    expect(cut.closed).toBe(true);
  });
});
