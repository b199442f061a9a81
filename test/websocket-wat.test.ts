/**
 * The WAT WebSocket guest (ws-wat) through a real `rusm serve`: the websocket interface served
 * on the lean ABI (a WAT guest has no jco glue), and the guest the websocket bench parks by the
 * thousand. Echo (text and binary), a room over the broker (`run`: host-side forwarding of the
 * topic's messages, the client's messages published), and each process ending `disconnected`
 * when its client leaves.
 */
import { describe, expect, it } from "vitest";
import { guest, routes, rusmForSuite } from "./helpers/rusm.ts";
import { expectExits, untilNoProcesses } from "./helpers/exits.ts";
import { openWs } from "./helpers/websocket.ts";

describe("ws-wat: WebSocket actions in WAT, on the lean ABI", () => {
  const rusm = rusmForSuite(
    routes(`
[components]
w = "${guest("ws-wat")}"

[serve.routes]
"GET /echo" = "wat#echo"
"GET /room/:topic" = "wat#room"
`),
    { env: { RUSM_LOG: "debug" } },
  );

  it("serves through the lean ABI", () => {
    expect(rusm.stderr()).toContain("served through rusm's lean ABI");
  });

  it("echoes text and binary; the client's leaving ends the process disconnected", async () => {
    const before = await rusm.exits();
    const client = await openWs(`${rusm.url}/echo`);
    client.ws.send("hi");
    client.ws.send(Buffer.from([9, 8, 7]));
    await client.until(2);
    expect(client.messages).toEqual(["hi", Buffer.from([9, 8, 7])]);
    client.ws.terminate();
    await expectExits(rusm, before, { disconnected: 1 });
    await untilNoProcesses(rusm);
  });

  it("room: a member's message reaches every member of its topic, no other", async () => {
    const a = await Promise.all([1, 2, 3].map(() => openWs(`${rusm.url}/room/a`)));
    const b = await openWs(`${rusm.url}/room/b`);
    await rusm.until(
      "4 subscribers",
      async () => (await rusm.metric("rusm_broker_subscriptions")) === 4,
    );
    a[0]!.ws.send("to a");
    for (const c of a) await c.until(1);
    for (const c of a) expect(c.messages).toEqual(["to a"]);
    b.ws.send("to b");
    await b.until(1);
    expect(b.messages).toEqual(["to b"]);
    expect(a[1]!.messages).toEqual(["to a"]);
    for (const c of [...a, b]) c.ws.close();
    await untilNoProcesses(rusm);
  });
});
