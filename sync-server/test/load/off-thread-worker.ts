/**
 * The worker thread of off-thread.ts: starts the service `workerData` names, says it is ready
 * (with its port or its S3 configuration), then runs the operations it is sent, answering
 * each with its id.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startLoopbackS3 } from '../../src/photos/loopback-s3.ts';
import { TcpProxy } from '../tcp-proxy.ts';
import type { ServiceSpec } from './off-thread.ts';

const port = parentPort!;
const spec = workerData as ServiceSpec;

try {
  let ops: Record<string, () => Promise<void>>;
  if (spec.kind === 'proxy') {
    const proxy = await new TcpProxy({ host: spec.host, port: spec.port }).start();
    ops = { down: () => proxy.down(), up: () => proxy.up(), stop: () => proxy.stop() };
    port.postMessage({ ready: { port: proxy.port } });
  } else {
    const s3 = await startLoopbackS3(spec.bucket, spec.prefix);
    ops = { stop: () => s3.stop(), start: () => s3.start(), close: () => s3.close() };
    port.postMessage({ ready: { config: s3.config } });
  }
  port.on('message', ({ id, op }: { id: number; op: string }) => {
    const run = ops[op] ?? (() => Promise.reject(new Error(`no operation ${op}`)));
    run().then(
      () => port.postMessage({ id }),
      (err: unknown) => port.postMessage({ id, error: err instanceof Error ? err.message : String(err) }),
    );
  });
} catch (err) {
  port.postMessage({ failed: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
