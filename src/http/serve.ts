import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** The listening side the simulators share: plain http, or https with a PEM pair, on host:port. */

export interface ServeOptions {
  host: string;
  /** 0 for an ephemeral port. */
  port: number;
  /** Serve HTTPS with this PEM pair. */
  tls?: { key: string; cert: string } | undefined;
}

export interface Serving {
  /** e.g. http://127.0.0.1:41234, https://[::1]:5001 */
  url: string;
  /** Idempotent; drops open keep-alive connections rather than waiting for them. */
  close(): Promise<void>;
}

export async function serve(listener: RequestListener, options: ServeOptions): Promise<Serving> {
  const server: Server = options.tls === undefined ? createHttpServer(listener) : createHttpsServer(options.tls, listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://${host}:${port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** A request's whole body, refused beyond `maxBytes` so that a runaway client cannot fill the memory. */
export async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw new Error(`request body over ${maxBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
