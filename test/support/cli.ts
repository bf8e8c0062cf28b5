/** Runs the built binary the way a user does, in a temp directory, with a minimal environment. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(REPO_ROOT, 'bin/xplan.js');

/**
 * The home a run of the binary sees: its own directory, so Claude Code and git find no user settings; never this
 * repository's root, where `claude auth status` would leave its `.claude.json`.
 */
function homeFor(cwd: string): string {
  return resolve(cwd) === REPO_ROOT ? tempDir('xplan-home-') : cwd;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runXplan(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): RunResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: homeFor(options.cwd), NO_COLOR: '1', ...options.env },
    input: options.input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function tempDir(prefix = 'xplan-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A real git repository in a temp directory. */
export function tempRepo(): string {
  const dir = tempDir('xplan-repo-');
  const git = spawnSync('git', ['init', '-q', '-b', 'main', dir], { encoding: 'utf8' });
  if (git.status !== 0) throw new Error(`git init failed: ${git.stderr}`);
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

export const ANSI = /\u001b\[[0-9;]*m/;

/** The built binary as a child process the test can signal, with its output so far and its end. */
export function startXplan(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): { child: ChildProcess; output: () => string; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: homeFor(options.cwd), NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const done = new Promise<RunResult>((resolvePromise) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    }),
  );
  return { child, output: () => stdout + stderr, done };
}

/** Like runXplan, without blocking the event loop: for tests whose own process serves the binary (a model server). */
export function runXplanAsync(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  return startXplan(args, options).done;
}
