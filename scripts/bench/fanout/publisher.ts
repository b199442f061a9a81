/**
 * @module scripts/bench/fanout/publisher
 * The one publisher: `POST <base>/publish/<topic>` with the message as the body, over one
 * keep-alive connection, one request at a time; both servers answer `{"delivered":N}`.
 */
import { Agent, request } from "node:http";

export interface Publisher {
  /** Publishes `message` on `topic`; resolves with the subscribers the server reached. */
  publish(topic: string, message: string): Promise<number>;
  close(): void;
}

export function startPublisher(baseUrl: string): Publisher {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return {
    publish(topic, message) {
      const url = `${baseUrl}/publish/${encodeURIComponent(topic)}`;
      return new Promise((resolve, reject) => {
        const req = request(url, { method: "POST", agent }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (text: string) => (body += text));
          res.on("end", () => {
            let delivered: unknown;
            try {
              delivered = (JSON.parse(body) as { delivered?: unknown }).delivered;
            } catch {
              delivered = undefined; // not JSON: reported below with the body
            }
            if (res.statusCode === 200 && typeof delivered === "number") resolve(delivered);
            else reject(new Error(`POST ${url}: ${res.statusCode} ${body.trim()}`));
          });
        });
        req.on("error", reject);
        req.end(message);
      });
    },
    close: () => agent.destroy(),
  };
}
