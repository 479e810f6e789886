import { Agent, type ClientRequest, request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import type { HttpRequest } from '@smithy/protocol-http';
import { HttpResponse } from '@smithy/protocol-http';

/** Runs one request's I/O as work the embedded engine's clock waits for. */
export type RequestTracker = <T>(work: () => Promise<T>) => Promise<T>;

/** How often a request that met a reset kept-alive socket is sent again, on a fresh one. */
const RESET_RETRIES = 2;

/**
 * A minimal SDK HTTP handler for the local DynamoDB on loopback. The SDK's NodeHttpHandler
 * schedules housekeeping timers (socket-usage checks, deferred keep-alive setup) with the global
 * setTimeout, which the embedded engine's virtual clock owns: left behind, they would move virtual
 * time by seconds. This one uses no timers at all; node:http's own socket handling stays real.
 *
 * Two things make the engine's results independent of machine load:
 * - A request sent on a kept-alive socket that the server had closed meanwhile (ECONNRESET,
 *   EPIPE: the request never reached it) is sent again on a fresh socket at once, as Node's
 *   documentation advises for `reusedSocket` and as the AWS SDK retries connection resets. The
 *   SDK's own retries stay off (`maxAttempts: 1`): their back-off sleeps on the virtual clock.
 * - With a {@link RequestTracker} (the engine's `VirtualTime.track`), each request — server work
 *   and the whole response body included — is in-flight work: virtual time does not move until
 *   it has answered, however long a busy machine takes. The body is read here, before the SDK
 *   gets it, for that reason.
 */
export class LoopbackHttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private tracker: RequestTracker | undefined;
  /** Requests sent again after a reset kept-alive socket (for tests and diagnostics). */
  resends = 0;

  /** From now on, every request runs as `tracker` work. */
  trackWith(tracker: RequestTracker | undefined): void {
    this.tracker = tracker;
  }

  async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const run = () => this.send(request);
    return this.tracker ? this.tracker(run) : run();
  }

  private async send(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query ?? {})) {
      for (const v of Array.isArray(value) ? value : [value])
        if (v !== null && v !== undefined) query.append(key, v);
    }
    const path = `${request.path}${query.size > 0 ? `?${query}` : ''}`;
    for (let attempt = 0; ; attempt++) {
      let req: ClientRequest | undefined;
      try {
        return await new Promise((resolve, reject) => {
          req = httpRequest(
            {
              agent: this.agent,
              hostname: request.hostname,
              port: request.port,
              method: request.method,
              path,
              headers: request.headers,
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => chunks.push(chunk));
              res.on('error', reject);
              res.on('end', () => {
                const headers: Record<string, string> = {};
                for (const [k, v] of Object.entries(res.headers))
                  if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
                resolve({
                  response: new HttpResponse({
                    statusCode: res.statusCode ?? 0,
                    reason: res.statusMessage,
                    headers,
                    body: Readable.from([Buffer.concat(chunks)]),
                  }),
                });
              });
            },
          );
          req.on('error', reject);
          req.end(request.body ?? undefined);
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const staleSocket = req?.reusedSocket === true && (code === 'ECONNRESET' || code === 'EPIPE');
        if (!staleSocket || attempt >= RESET_RETRIES) throw error;
        this.resends++;
      }
    }
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    this.agent.destroy();
  }
}
