import { readFileSync, writeFileSync, existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateStore } from '../../src/adapters/store/state-store.js';
import { tempDir } from '../support/cli.js';

const xplanDir = () => join(tempDir(), '.xplan');

describe('StateStore', () => {
  it('creates the state at revision 1 and increments on every update', async () => {
    const store = new StateStore(xplanDir());
    expect(await store.read()).toBeUndefined();
    const first = await store.update((s) => ({ ...s, specs: [{ path: 'a.md', sha256: 'x', bytes: 1 }] }));
    expect(first.revision).toBe(1);
    const second = await store.update((s) => s);
    expect(second.revision).toBe(2);
    expect((await store.read())?.specs).toEqual([{ path: 'a.md', sha256: 'x', bytes: 1 }]);
  });

  it('keeps the previous good state as state.json.bak and leaves no temp or lock files', async () => {
    const dir = xplanDir();
    const store = new StateStore(dir);
    await store.update((s) => s);
    await store.update((s) => s);
    expect(JSON.parse(readFileSync(store.backupPath, 'utf8')).revision).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['.gitignore', 'state.json', 'state.json.bak']);
  });

  it('moves the old state file to state.json.bak instead of writing it again', async () => {
    const store = new StateStore(xplanDir());
    await store.update((s) => s);
    const before = statSync(store.path);
    const text = readFileSync(store.path, 'utf8');
    await store.update((s) => s);
    // The backup is the very file that was state.json (same inode, untouched), and state.json is a new one.
    expect(statSync(store.backupPath).ino).toBe(before.ino);
    expect(statSync(store.backupPath).nlink).toBe(1);
    expect(readFileSync(store.backupPath, 'utf8')).toBe(text);
    expect(statSync(store.path).ino).not.toBe(before.ino);
    expect(JSON.parse(readFileSync(store.path, 'utf8')).revision).toBe(2);
  });

  it('reclaims an empty lock left by a writer killed before it wrote its name', async () => {
    const dir = xplanDir();
    const store = new StateStore(dir, { lockTimeoutMs: 4000 });
    await store.update((s) => s);
    writeFileSync(join(dir, 'state.lock'), '');
    utimesSync(join(dir, 'state.lock'), new Date(Date.now() - 5000), new Date(Date.now() - 5000));
    expect((await store.update((s) => s)).revision).toBe(2);
    expect(existsSync(join(dir, 'state.lock'))).toBe(false);
  });

  it('refuses a write based on a stale revision (compare-and-swap)', async () => {
    const store = new StateStore(xplanDir());
    await store.update((s) => s);
    const other = new StateStore(store.path.replace(/\/state\.json$/, ''));
    await other.update((s) => s); // another process wrote revision 2
    await expect(store.update((s) => s, { expectedRevision: 1 })).rejects.toMatchObject({ code: 'STATE_CONFLICT' });
    expect((await store.read())?.revision).toBe(2);
  });

  it('keeps fields it does not know, so a newer xplan loses nothing', async () => {
    const store = new StateStore(xplanDir());
    await store.update((s) => s);
    const raw = JSON.parse(readFileSync(store.path, 'utf8'));
    writeFileSync(store.path, JSON.stringify({ ...raw, futureField: { tasks: [1, 2] } }));
    await store.update((s) => s);
    expect(JSON.parse(readFileSync(store.path, 'utf8')).futureField).toEqual({ tasks: [1, 2] });
  });

  it('never overwrites a corrupt file, naming the last good backup', async () => {
    const store = new StateStore(xplanDir());
    await store.update((s) => s);
    await store.update((s) => s);
    writeFileSync(store.path, '{"schemaVersion": 1, "revision": "two"}');
    await expect(store.update((s) => s)).rejects.toMatchObject({ code: 'STATE_CORRUPT', hint: expect.stringContaining('state.json.bak') });
    expect(readFileSync(store.path, 'utf8')).toBe('{"schemaVersion": 1, "revision": "two"}');
    await expect(store.read()).rejects.toThrow(/revision: .*number/);
  });

  it('reclaims a lock left by a dead process', async () => {
    const dir = xplanDir();
    const store = new StateStore(dir);
    await store.update((s) => s);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'state.lock'), JSON.stringify({ pid: Number(dead.stdout), host: (await import('node:os')).hostname(), since: 'then' }));
    expect((await store.update((s) => s)).revision).toBe(2);
    expect(existsSync(join(dir, 'state.lock'))).toBe(false);
  });

  it('waits for a live holder and then names it', async () => {
    const dir = xplanDir();
    const store = new StateStore(dir, { lockTimeoutMs: 100 });
    await store.update((s) => s);
    writeFileSync(join(dir, 'state.lock'), JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), since: '2026-11-23T10:00:00Z' }));
    await expect(store.update((s) => s)).rejects.toThrow(`locked by pid ${process.pid}`);
    expect((await store.read())?.revision).toBe(1);
  });
});
