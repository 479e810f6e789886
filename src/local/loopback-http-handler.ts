import { Agent, request as httpRequest } from 'node:http';
import { type HttpRequest, HttpResponse } from '@smithy/protocol-http';

/**
 * A minimal SDK HTTP handler for the local DynamoDB on loopback. The SDK's NodeHttpHandler
 * schedules housekeeping timers (socket-usage checks, deferred keep-alive setup) with the global
 * setTimeout, which the embedded engine's virtual clock owns: left behind, they would move virtual
 * time by seconds. This one uses no timers at all; node:http's own socket handling stays real.
 */
export class LoopbackHttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query ?? {})) {
      for (const v of Array.isArray(value) ? value : [value])
        if (v !== null && v !== undefined) query.append(key, v);
    }
    const path = `${request.path}${query.size > 0 ? `?${query}` : ''}`;
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          agent: this.agent,
          hostname: request.hostname,
          port: request.port,
          method: request.method,
          path,
          headers: request.headers,
        },
        (res) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({
            response: new HttpResponse({
              statusCode: res.statusCode ?? 0,
              reason: res.statusMessage,
              headers,
              body: res,
            }),
          });
        },
      );
      req.on('error', reject);
      req.end(request.body ?? undefined);
    });
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    this.agent.destroy();
  }
}
