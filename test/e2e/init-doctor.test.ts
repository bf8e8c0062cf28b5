import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startAgentMailServer } from '../support/agent-mail-server.mjs';
import { runXplan, runXplanAsync, tempDir, tempRepo, writeFiles } from '../support/cli.js';

/** A PATH holding only the given fake programs, so doctor sees exactly what the test installs. */
function shimPath(programs: Record<string, string>): string {
  const dir = tempDir('xplan-path-');
  mkdirSync(dir, { recursive: true });
  for (const [name, script] of Object.entries(programs)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

describe('xplan init', () => {
  it('writes config.yaml with commented defaults and .xplan/.gitignore, and the config is valid', () => {
    const repo = tempRepo();
    const result = runXplan(['init'], { cwd: repo });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Wrote .xplan/config.yaml');
    const text = readFileSync(join(repo, '.xplan/config.yaml'), 'utf8');
    expect(text).toMatch(/^# /m);
    expect(parse(text).assess.thresholds.requirements).toEqual({ single: 8, multi: 60 });
    expect(readFileSync(join(repo, '.xplan/.gitignore'), 'utf8')).toMatch(/state\.json/);
    // The written config is what assess reads: tightening it changes the verdict.
    writeFiles(repo, { 'spec.md': '# Fix\n\n## Requirements\n\n- FR-1 Export CSV.\n- FR-2 Export JSON.\n- FR-3 Export XML.\n' });
    expect(JSON.parse(runXplan(['assess', '--json', 'spec.md'], { cwd: repo }).stdout).verdict).toBe('single-agent');
    writeFileSync(join(repo, '.xplan/config.yaml'), text.replace(/requirements:(\s+#[^\n]*)?\n(\s+)single: 8/, 'requirements:\n$2single: 1'));
    writeFileSync(join(repo, '.xplan/config.yaml'), readFileSync(join(repo, '.xplan/config.yaml'), 'utf8').replace(/effortHours:(\s+#[^\n]*)?\n(\s+)single: 8/, 'effortHours:\n$2single: 0.5'));
    expect(JSON.parse(runXplan(['assess', '--json', 'spec.md'], { cwd: repo }).stdout).verdict).toBe('multi-agent');
  });

  it('refuses to overwrite an existing config unless --force', () => {
    const repo = tempRepo();
    writeFiles(repo, { '.xplan/config.yaml': 'engine: heuristic # mine\n' });
    const refused = runXplan(['init'], { cwd: repo });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/\.xplan\/config\.yaml already exists/);
    expect(refused.stderr).toMatch(/xplan init --force/);
    expect(readFileSync(join(repo, '.xplan/config.yaml'), 'utf8')).toBe('engine: heuristic # mine\n');
    const forced = runXplan(['init', '--force'], { cwd: repo });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('Replaced .xplan/config.yaml');
    expect(readFileSync(join(repo, '.xplan/config.yaml'), 'utf8')).toContain('thresholds:');
  });

  it('prints the starter config without writing anything with --print', () => {
    const repo = tempRepo();
    const result = runXplan(['init', '--print'], { cwd: repo });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('effortHours:');
    expect(existsSync(join(repo, '.xplan'))).toBe(false);
  });
});

describe('xplan doctor', () => {
  it('reports every tool with its version and exits 0 when ready', () => {
    const path = shimPath({
      git: 'echo "git version 2.43.0"',
      claude: 'echo "2.1.197 (Claude Code)"',
      bd: 'echo \'{"version":"1.0.5","build":"x"}\'',
    });
    const result = runXplan(['doctor'], { cwd: tempRepo(), env: { PATH: path } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`✔\\s+node\\s+${process.versions.node.replace(/\./g, '\\.')}`));
    expect(result.stdout).toMatch(/✔\s+git\s+2\.43\.0/);
    expect(result.stdout).toMatch(/✔\s+claude\s+2\.1\.197/);
    expect(result.stdout).toMatch(/✔\s+bd\s+1\.0\.5/);
    expect(result.stdout).toContain('Ready.');
  });

  it('names each missing or outdated piece with the command that fixes it, and exits 1', () => {
    const path = shimPath({ git: 'echo "git version 2.30.1"' });
    const result = runXplan(['doctor'], { cwd: tempRepo(), env: { PATH: path } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✖\s+git\s+2\.30\.1.*outdated: needs 2\.38\.0 or newer/);
    expect(result.stdout).toMatch(/✖\s+claude.*missing: not found on PATH/);
    expect(result.stdout).toMatch(/!\s+bd.*missing/);
    expect(result.stdout).toContain('claude: npm install -g @anthropic-ai/claude-code');
    expect(result.stdout).toMatch(/bd: brew install beads, or npm install -g @beads\/bd/);
    expect(result.stdout).toMatch(/git: Upgrade git to 2\.38/);
  });

  it('treats missing bd as optional and accepts the br fork', () => {
    const path = shimPath({ git: 'echo "git version 2.39.5"', claude: 'echo "2.1.197 (Claude Code)"', br: 'echo "br 0.4.2"' });
    const result = runXplan(['doctor', '--json'], { cwd: tempRepo(), env: { PATH: path } });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(true);
    expect(report.checks.find((c: { name: string }) => c.name === 'br')).toMatchObject({ status: 'ok', version: '0.4.2', required: false });
  });

  it('flags an invalid config.yaml', () => {
    const repo = tempRepo();
    writeFiles(repo, { '.xplan/config.yaml': 'engine: gpt\n' });
    const path = shimPath({ git: 'echo "git version 2.39.5"', claude: 'echo "2.1.197 (Claude Code)"' });
    const result = runXplan(['doctor', '--wide'], { cwd: repo, env: { PATH: path } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✖\s+config.*invalid: .*engine:/);
    // Piped, the table fits 80 columns and the message goes on below rather than being cut.
    const piped = runXplan(['doctor'], { cwd: repo, env: { PATH: path } }).stdout;
    expect(
      Math.max(
        ...piped
          .split('\n')
          .slice(0, 12)
          .map((l) => [...l].length),
      ),
    ).toBeLessThanOrEqual(80);
    expect(piped.replace(/\s+/g, ' ')).toMatch(/invalid: .*engine:/);
  });

  it('checks the agent mail server when coordination is agent-mail, as an optional piece', async () => {
    const server = await startAgentMailServer({ token: 't' });
    const path = shimPath({ git: 'echo "git version 2.39.5"', claude: 'echo "2.1.197 (Claude Code)"' });
    try {
      const repo = tempRepo();
      writeFiles(repo, { '.xplan/config.yaml': `coordination: agent-mail\nagentMail:\n  url: ${server.url}\n  token: t\n` });
      const alive = await runXplanAsync(['doctor', '--json'], { cwd: repo, env: { PATH: path } });
      expect(JSON.parse(alive.stdout).checks.find((c: { name: string }) => c.name === 'agent-mail')).toMatchObject({ status: 'ok', required: false, detail: `alive at ${server.url}` });

      await server.close();
      const down = await runXplanAsync(['doctor', '--wide'], { cwd: repo, env: { PATH: path } });
      expect(down.code).toBe(0); // a run still coordinates natively
      expect(down.stdout).toMatch(/!\s+agent-mail.*missing: agent mail liveness failed: .*ECONNREFUSED/);
      expect(down.stdout).toContain('agent-mail: Start the mcp_agent_mail server, or fix agentMail.url in .xplan/config.yaml.');
    } finally {
      await server.close();
    }
  });

  it('does not look for agent mail under native coordination', () => {
    const path = shimPath({ git: 'echo "git version 2.39.5"', claude: 'echo "2.1.197 (Claude Code)"' });
    const result = runXplan(['doctor', '--json'], { cwd: tempRepo(), env: { PATH: path } });
    expect(JSON.parse(result.stdout).checks.map((c: { name: string }) => c.name)).not.toContain('agent-mail');
  });
});

describe('xplan --version and --help', () => {
  it('prints the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const result = runXplan(['--version'], { cwd: tempDir() });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it('lists the commands and exit codes', () => {
    const result = runXplan(['--help'], { cwd: tempDir() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/assess \[options\] <spec\.\.\.>/);
    expect(result.stdout).toContain('Exit codes: 0 ok');
  });
});

describe('xplan doctor and the xplan on PATH', () => {
  it('says whether `xplan` on PATH is the one running, and how to put this one there', async () => {
    const { symlinkSync } = await import('node:fs');
    const { BIN } = await import('../support/cli.js');
    const repo = tempRepo();
    const doctorWith = (dir: string) => runXplan(['doctor', '--json'], { cwd: repo, env: { PATH: `${dir}:${process.env.PATH}` } });
    const check = (r: { stdout: string }) =>
      (JSON.parse(r.stdout) as { checks: Array<{ name: string; status: string; detail?: string; fix?: string }> }).checks.find((c) => c.name === 'xplan on PATH')!;

    const linked = tempDir('xplan-linked-');
    symlinkSync(BIN, join(linked, 'xplan'));
    expect(check(doctorWith(linked))).toMatchObject({ status: 'ok', detail: join(linked, 'xplan') });

    const other = shimPath({ xplan: 'echo another xplan' });
    const stale = check(doctorWith(other));
    expect(stale.status).toBe('invalid');
    expect(stale.detail).toMatch(/^PATH runs .*\/xplan, not this one \(.*bin\/xplan\.js\)$/);
    expect(stale.fix).toMatch(/npm link/);
  });
});
