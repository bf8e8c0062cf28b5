/**
 * Text from specs, plans, file names and agents reaches the terminal with its control characters escaped: an OSC
 * (window title, hyperlink, clipboard) or CSI (clear screen, cursor moves) sequence in the data is shown, never run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runXplan, runXplanAsync, writeFiles } from '../support/cli.js';
import { commitSteps, startModelServer } from '../support/model-server.mjs';
import { approvedRepo, claudeEnv, git, runConfig } from '../support/run-repo.js';

/** Sequences a terminal would act on: OSC title and clipboard, CSI clear screen, a C1 CSI, BEL, bidi override. */
const OSC_TITLE = '\u001b]0;owned\u0007';
const OSC_CLIPBOARD = '\u001b]52;c;cm0gLXJmIH4=\u001b\\';
const CSI_CLEAR = '\u001b[2J\u001b[H';
const C1_CSI = '\u009b31m';
const BIDI = '\u202e';
const HOSTILE = `${OSC_TITLE}${CSI_CLEAR}${C1_CSI}${OSC_CLIPBOARD}${BIDI}`;
/** Anything a terminal treats as control: C0 but newline and tab, DEL, C1, and the bidi controls. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function expectSafe(label: string, result: { stdout: string; stderr: string }): void {
  for (const [stream, text] of [
    ['stdout', result.stdout],
    ['stderr', result.stderr],
  ] as const) {
    const at = text.search(CONTROL);
    expect(at, `${label}: control character in ${stream} near ${JSON.stringify(text.slice(Math.max(0, at - 30), at + 30))}`).toBe(-1);
  }
}

const SPEC = `# Checkout ${HOSTILE}

## Requirements

- FR-1 Buyers pay by card ${HOSTILE}.
- FR-2 Sellers see their orders ${OSC_TITLE}.

## Acceptance criteria

- [ ] A paid order shows up for the seller ${CSI_CLEAR}.
`;

describe('commands that print spec and plan text', () => {
  it('assess, plan, show, task, check, approve and run --dry-run print escaped control characters', () => {
    const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig());
    writeFiles(repo, { 'spec.md': SPEC });
    git(repo, ['add', 'spec.md']);
    git(repo, ['commit', '-q', '-m', 'hostile spec']);
    const results: Array<[string, { code: number | null; stdout: string; stderr: string }]> = [];
    const xplan = (args: string[]) => {
      const result = runXplan(args, { cwd: repo });
      results.push([args.join(' '), result]);
      return result;
    };
    expect(xplan(['assess', 'spec.md']).code).toBe(0);
    expect(xplan(['plan', 'spec.md', '--yes']).code).toBe(0);
    for (const format of ['table', 'tree', 'mermaid', 'md']) expect(xplan(['show', '--format', format]).code).toBe(0);
    expect(xplan(['task', 'add', '--title', `Card form ${HOSTILE}`, '--description', HOSTILE]).code).toBe(0);
    expect(xplan(['task', 'set', 'T1', '--acceptance', `works ${HOSTILE}`]).code).toBe(0);
    expect(xplan(['task', 'set', `T9${HOSTILE}`, '--title', 'x']).code).toBe(2);
    expect(xplan(['assess', `missing${HOSTILE}.md`]).code).toBe(2);
    writeFiles(repo, {
      'plan.yaml': `tasks:\n  - id: T1\n    title: "A ${HOSTILE.replace(/\\/g, '\\\\').replace(/[\u0000-\u001f\u007f-\u009f\u202e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"\n    dependsOn: [T1]\n`,
    });
    expect(xplan(['check', 'plan.yaml']).code).toBe(1);
    expect(xplan(['approve', '--yes']).code).toBe(0);
    const dryRun = xplan(['run', '--dry-run']);
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toContain('\\x1b]0;owned\\x07');
    for (const [label, result] of results) expectSafe(label, result);
  }, 90_000);
});

describe('commands that print what an agent wrote', () => {
  let server: Awaited<ReturnType<typeof startModelServer>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('run, status, logs (also --raw) and skip print the agent text and the verify command escaped', async () => {
    server = await startModelServer((c) => {
      const step = commitSteps(c);
      return step.text ? { text: `All done ${HOSTILE}` } : step;
    });
    // The reason of a failed verify quotes the command: this one holds the sequences themselves.
    const verify = `echo 'verify says no ${OSC_TITLE}${CSI_CLEAR}'; exit 1`;
    const repo = approvedRepo([{ title: `Write the hello file` }], runConfig({ verify }));
    git(repo, ['commit', '-q', '--allow-empty', '-m', 'base']);
    const run = await runXplanAsync(['run'], { cwd: repo, env: claudeEnv(server.url) });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const status = runXplan(['status'], { cwd: repo });
    expect(status.stdout).toContain('verify says no \\x1b]0;owned\\x07\\x1b[2J');
    const logs = runXplan(['logs', 'T1'], { cwd: repo });
    expect(logs.stdout).toContain('All done \\x1b]0;owned\\x07');
    const raw = runXplan(['logs', 'T1', '--raw'], { cwd: repo });
    const skip = runXplan(['skip', 'T1', '--reason', `not needed ${HOSTILE}`], { cwd: repo });
    expect(skip.code, skip.stderr).toBe(0);
    const after = runXplan(['status'], { cwd: repo });
    for (const [label, result] of Object.entries({ run, status, logs, raw, skip, after })) expectSafe(label, result);
  }, 120_000);
});
