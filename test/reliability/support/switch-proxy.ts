import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type ProxyMode = 'down' | 'hang' | 'forward';

/** A TCP proxy on 127.0.0.1:0 in front of a server, to make it look down (connections reset),
 * hung (accepted, never answered) or back, at the same URL. */
export async function startSwitchProxy(target: string): Promise<{ url: string; mode: ProxyMode; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const state = { mode: 'forward' as ProxyMode };
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (state.mode === 'down') return void socket.resetAndDestroy();
    if (state.mode === 'hang') return void socket.resume();
    const upstream = connect(Number(port), hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get mode() {
      return state.mode;
    },
    set mode(mode: ProxyMode) {
      state.mode = mode;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
