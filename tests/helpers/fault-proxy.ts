/**
 * A small fault-injecting HTTP proxy on loopback, placed between the real SDK clients and the
 * embedded DynamoDB or S3. It forwards requests and, for a deterministic share of them, answers
 * with a throttling error, a 503 SlowDown, or drops the connection. This is a test device: the
 * emulators cannot be told to fail, so the proxy plays the faulty network and service.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultKind = 'throttle' | 'slowdown' | 'drop';

export interface FaultProxyOptions {
  /** The emulator endpoint, e.g. http://127.0.0.1:1234 */
  target: string;
  /** Which service the proxy speaks for (decides the error body). */
  service: 'dynamodb' | 's3';
  /** Inject a fault on every `every`-th request (1-based), cycling through `kinds`. */
  every: number;
  kinds: FaultKind[];
  /** Stop injecting after this many faults (keeps runs bounded). */
  maxFaults?: number;
  /** Only requests for which this returns true may be faulted (default: all). */
  eligible?: (req: IncomingMessage) => boolean;
}

export interface FaultProxy {
  endpoint: string;
  injected: Record<FaultKind, number>;
  requests: number;
  close(): Promise<void>;
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  const injected: Record<FaultKind, number> = { throttle: 0, slowdown: 0, drop: 0 };
  let requests = 0;
  let eligibleCount = 0;
  let faults = 0;

  const fault = (kind: FaultKind, req: IncomingMessage, res: ServerResponse) => {
    injected[kind]++;
    // Drain the request body first so the client sees a proper response, not a reset.
    req.resume();
    req.on('end', () => {
      if (kind === 'drop') {
        res.socket?.destroy();
        return;
      }
      if (opts.service === 'dynamodb') {
        const body = JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          message: 'The level of configured provisioned throughput for the table was exceeded.',
        });
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `fault-${faults}` });
        res.end(body);
      } else {
        res.writeHead(503, { 'content-type': 'application/xml', 'x-amz-request-id': `fault-${faults}` });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
        );
      }
    });
  };

  const server: Server = createServer((req, res) => {
    requests++;
    if (!opts.eligible || opts.eligible(req)) {
      eligibleCount++;
      if (eligibleCount % opts.every === 0 && faults < (opts.maxFaults ?? Number.POSITIVE_INFINITY)) {
        const kind = opts.kinds[faults % opts.kinds.length] as FaultKind;
        faults++;
        fault(kind, req, res);
        return;
      }
    }
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    injected,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
