import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Server instances as a deployment runs them: `node src/main.ts` in a process of its own, with
 * its own port and data folder (as on its own host), on the database at `databaseUrl`.
 */
export type Instance = { url: string; port: number; child: ChildProcess; dataDir: string; output: string[] };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function startInstance(databaseUrl: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Instance> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'fieldfix-instance-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    NOTICE_WORKER: 'off',
    ...extraEnv,
  };
  delete env.LINK_SECRET;
  delete env.TEST_DATABASE_URL;
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: join(import.meta.dirname, '..'),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (b: Buffer) => output.push(b.toString()));
  child.stderr!.on('data', (b: Buffer) => output.push(b.toString()));
  return { url: `http://127.0.0.1:${port}`, port, child, dataDir, output };
}

export async function healthy(i: Instance, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (i.child.exitCode !== null) throw new Error(`instance exited (${i.child.exitCode}):\n${i.output.join('')}`);
    try {
      if ((await fetch(`${i.url}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`instance not healthy in time:\n${i.output.join('')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function stopInstance(i: Instance, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (i.child.exitCode === null && i.child.signalCode === null) {
    const exited = new Promise<void>((resolve) => i.child.once('exit', () => resolve()));
    i.child.kill(signal);
    await exited;
  }
  await rm(i.dataDir, { recursive: true, force: true });
}
