import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fakes of outside services share: a loopback HTTP server that reads each request body
 * whole, records it, can hold the next requests back (`delayNext`), and closes its port for good. */
export interface ScriptedServer {
  port: number;
  requests: { url: string; headers: IncomingHttpHeaders; body: string }[];
  /** The next `count` requests wait `ms` before they are handled. */
  delayNext(count: number, ms: number): void;
  /** Stops listening: the port is then closed, as if the service were down. */
  close(): Promise<void>;
}

export async function startScriptedServer(
  handle: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<ScriptedServer> {
  const requests: ScriptedServer['requests'] = [];
  const delays: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ url: req.url ?? '', headers: req.headers, body });
      const delay = delays.shift();
      if (delay === undefined) return handle(req, res, body);
      const timer = setTimeout(() => (timers.delete(timer), handle(req, res, body)), delay);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    delayNext: (count, ms) => delays.push(...Array<number>(count).fill(ms)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
