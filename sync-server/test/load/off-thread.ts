/**
 * The stage's stand-ins for other machines, the TCP proxy before PostgreSQL and the S3 server,
 * each in a worker thread of its own (off-thread-worker.ts): every database round trip of
 * every instance and every photo byte would otherwise wait on the load generator's event
 * loop, which at 1,000 devices is busy (pnpm bench:load:faults), and the instances' pools
 * would be held up by it. Each is driven as it is in-process: the proxy goes down and up, the
 * S3 server stops and starts.
 */
import { Worker } from 'node:worker_threads';
import type { LoopbackS3 } from '../../src/photos/loopback-s3.ts';
import type { S3PhotoConfig } from '../../src/photos/s3-photo-store.ts';

export type ServiceSpec =
  { kind: 'proxy'; host: string; port: number } | { kind: 's3'; bucket: string; prefix: string };
type Reply = { id: number; error?: string };
type Ready = { ready: { port?: number; config?: S3PhotoConfig } } | { failed: string };

/** A service in a worker thread: `call(op)` runs one of its operations there. */
class OffThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  #next = 0;
  #ended = false;

  constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (m: Reply) => {
      const w = this.#waiting.get(m.id);
      if (!w) return;
      this.#waiting.delete(m.id);
      if (m.error) w.reject(new Error(m.error));
      else w.resolve();
    });
    worker.on('exit', () => {
      this.#ended = true;
      for (const w of this.#waiting.values()) w.reject(new Error('the worker thread ended'));
      this.#waiting.clear();
    });
  }

  static async start(
    spec: ServiceSpec,
  ): Promise<{ service: OffThread; ready: Extract<Ready, { ready: unknown }>['ready'] }> {
    const worker = new Worker(new URL('./off-thread-worker.ts', import.meta.url), { workerData: spec });
    const first = await new Promise<Ready>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if ('failed' in first) {
      await worker.terminate();
      throw new Error(`${spec.kind} in a worker thread: ${first.failed}`);
    }
    return { service: new OffThread(worker), ready: first.ready };
  }

  call(op: string): Promise<void> {
    if (this.#ended) return Promise.resolve();
    const id = this.#next++;
    return new Promise<void>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ id, op });
    });
  }

  /** Runs `op` (closing the service), then ends the thread. */
  async end(op: string): Promise<void> {
    try {
      await this.call(op);
    } finally {
      await this.#worker.terminate();
    }
  }
}

export type OffThreadProxy = {
  port: number;
  /** Drops every connection and refuses new ones (PostgreSQL restarting). */
  down(): Promise<void>;
  /** Accepts connections again, on the same port. */
  up(): Promise<void>;
  stop(): Promise<void>;
};

/** A TcpProxy (test/tcp-proxy.ts) to `target`, in a worker thread. */
export async function startProxyOffThread(target: { host: string; port: number }): Promise<OffThreadProxy> {
  const { service, ready } = await OffThread.start({ kind: 'proxy', ...target });
  return {
    port: ready.port!,
    down: () => service.call('down'),
    up: () => service.call('up'),
    stop: () => service.end('stop'),
  };
}

/** A loopback S3 server (src/photos/loopback-s3.ts), in a worker thread. */
export async function startS3OffThread(bucket: string, prefix: string): Promise<LoopbackS3> {
  const { service, ready } = await OffThread.start({ kind: 's3', bucket, prefix });
  return {
    config: ready.config!,
    stop: () => service.call('stop'),
    start: () => service.call('start'),
    close: () => service.end('close'),
  };
}
