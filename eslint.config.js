// The layer rules of xplan, enforced: the core is pure, commands never import each other, renderers never
// import commands, and nothing but the CLI imports the CLI.
import tseslint from 'typescript-eslint';

const NODE_IO = ['fs', 'fs/promises', 'child_process', 'net', 'http', 'https', 'os', 'readline', 'worker_threads'].flatMap((m) => [m, `node:${m}`]);
const OUTSIDE_WORLD = ['execa', 'chalk', 'ora', '@inquirer/prompts', 'write-file-atomic', 'playwright-core'];

// State, plan, config and history files are written only through src/adapters/store/atomic-file.ts.
const ATOMIC_WRITER = [{ name: 'write-file-atomic', message: 'Write files through src/adapters/store/atomic-file.ts (writeTextAtomic, writeJsonAtomic).' }];
const ABOVE_ADAPTERS = [{ group: ['../commands/*', '../cli/*', './commands/*', './cli/*', '../../commands/*', '../../cli/*'], message: 'Commands and the CLI sit above this layer.' }];

const OUTSIDE_CORE = ['adapters/*', 'commands/*', 'run/*', 'ui/*', 'cli/*', 'engines/*', 'workspace.js'];
const restrict = (patterns, paths = []) => ['error', { patterns, paths: paths.map((name) => ({ name, message: 'src/core is pure: do the I/O in an adapter and pass the data in.' })) }];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/**', 'bench/**', 'bin/**', 'scripts/**'] },
  {
    files: ['src/**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    // A promise nobody awaits loses its error: a failed write or a rejected git call would pass in silence.
    rules: { '@typescript-eslint/no-floating-promises': 'error', '@typescript-eslint/no-misused-promises': 'error' },
  },
  {
    // The commit guard hook runs as plain Node in agent worktrees, with no imports from xplan.
    files: ['templates/**/*.mjs'],
    languageOptions: { sourceType: 'module', ecmaVersion: 2022, globals: { process: 'readonly', URL: 'readonly' } },
    rules: { 'no-undef': 'error', 'no-unused-vars': 'error', 'prefer-const': 'error', 'no-var': 'error', eqeqeq: ['error', 'smart'] },
  },
  {
    files: ['src/core/*.ts'],
    rules: { 'no-restricted-imports': restrict([{ group: OUTSIDE_CORE.map((p) => `../${p}`), message: 'src/core imports only src/core.' }], [...NODE_IO, ...OUTSIDE_WORLD]) },
  },
  {
    // The domain folders (intake, plan, run, beads) sit one level deeper; their ../run is the core's own.
    files: ['src/core/*/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([{ group: OUTSIDE_CORE.map((p) => `../../${p}`), message: 'src/core imports only src/core.' }], [...NODE_IO, ...OUTSIDE_WORLD]) },
  },
  {
    files: ['src/commands/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['./*'], message: 'Commands never import each other: shared logic goes in src/run, src/core or src/workspace.ts.' },
            { group: ['../cli/*'], message: 'Only the CLI imports the CLI.' },
          ],
          paths: ATOMIC_WRITER,
        },
      ],
    },
  },
  {
    files: ['src/ui/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../commands/*', '../run/*', '../workspace.js', '../cli/*'], message: 'Renderers take results whose types live in src/core.' }] }],
    },
  },
  {
    // The run engine reaches the outside world through its ports (src/run/ports.ts). Adapters are wired in where the
    // engine is put together: setup.ts for run and resume, control.ts for the steering commands.
    files: ['src/run/**/*.ts'],
    ignores: ['src/run/setup.ts', 'src/run/control.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../adapters/*'], message: 'src/run goes through its ports (src/run/ports.ts); adapters are wired in src/run/setup.ts.' },
            { group: ['../commands/*', '../cli/*'], message: 'Commands and the CLI sit above this layer.' },
          ],
          paths: ['fs', 'fs/promises', 'node:fs', 'node:fs/promises'].map((name) => ({
            name,
            message: 'src/run touches files through its ports (AgentDirs, RunStore, RunArchive in src/run/ports.ts).',
          })),
        },
      ],
    },
  },
  {
    files: ['src/adapters/**/*.ts', 'src/run/setup.ts', 'src/run/control.ts', 'src/engines/**/*.ts', 'src/workspace.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ABOVE_ADAPTERS, paths: ATOMIC_WRITER }],
    },
  },
  {
    files: ['src/adapters/store/atomic-file.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ABOVE_ADAPTERS }],
    },
  },
);
