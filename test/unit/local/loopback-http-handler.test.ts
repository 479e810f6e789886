import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HttpRequest } from '@smithy/protocol-http';
import { afterEach, describe, expect, it } from 'vitest';
import { LoopbackHttpHandler } from '../../../src/local/loopback-http-handler.js';

/*
 * The local DynamoDB's HTTP handler: a busy machine must not change what the engine does. A
 * kept-alive socket the server closed meanwhile is retried on a fresh one (the request never
 * reached the server), and with a tracker every request is in-flight work until its whole body
 * has arrived.
 */

let server: Server | undefined;
let handler: LoopbackHttpHandler | undefined;
afterEach(async () => {
  handler?.destroy();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  handler = undefined;
});

/** A server that answers `ok <n>` and, with `resetOn`, destroys a socket on its Nth request instead. */
async function serve(resetOn?: (requestOnSocket: number) => boolean) {
  const perSocket = new WeakMap<Socket, number>();
  const seen = { requests: 0, resets: 0 };
  server = createServer((req, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    seen.requests++;
    req.resume();
    req.on('end', () => {
      if (resetOn?.(n)) {
        seen.resets++;
        req.socket.destroy();
        return;
      }
      res.end(`ok ${seen.requests}`);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server!.address() as AddressInfo).port, seen };
}

const post = (port: number) =>
  new HttpRequest({ protocol: 'http:', hostname: '127.0.0.1', port, method: 'POST', path: '/', body: '{}' });

async function text(body: unknown): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

describe('LoopbackHttpHandler', () => {
  it('sends a request again on a fresh socket when the kept-alive one was reset under it', async () => {
    // Prepare: the server drops every socket on its second request, as an idle-timeout close would
    const { port, seen } = await serve((n) => n === 2);
    handler = new LoopbackHttpHandler();
    await text((await handler.handle(post(port))).response.body);

    // Act
    const { response } = await handler.handle(post(port));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(await text(response.body)).toBe('ok 3');
    expect(handler.resends).toBe(1);
    expect(seen).toEqual({ requests: 3, resets: 1 });
  });

  it('does not send again when a fresh socket is reset: the server may have acted on it', async () => {
    // Prepare
    const { port, seen } = await serve((n) => n === 1);
    handler = new LoopbackHttpHandler();

    // Act
    const act = handler.handle(post(port));

    // Assess
    await expect(act).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(handler.resends).toBe(0);
    expect(seen.requests).toBe(1);
  });

  it('runs each request as tracked work that ends only once the whole body has arrived', async () => {
    // Prepare
    const { port } = await serve();
    handler = new LoopbackHttpHandler();
    const events: string[] = [];
    handler.trackWith(async (work) => {
      events.push('start');
      const out = await work();
      events.push('end');
      return out;
    });

    // Act
    const { response } = await handler.handle(post(port));

    // Assess: the body was read inside the tracked work, so reading it now needs no I/O
    expect(events).toEqual(['start', 'end']);
    expect(await text(response.body)).toBe('ok 1');
  });
});
