// The layer rules of xplan, enforced: the core is pure, commands never import each other, renderers never
// import commands, and nothing but the CLI imports the CLI.
import tseslint from 'typescript-eslint';

const NODE_IO = ['fs', 'fs/promises', 'child_process', 'net', 'http', 'https', 'os', 'readline', 'worker_threads'].flatMap((m) => [m, `node:${m}`]);
const OUTSIDE_WORLD = ['execa', 'chalk', 'ora', '@inquirer/prompts', 'write-file-atomic', 'playwright-core'];

const restrict = (patterns, paths = []) => ['error', { patterns, paths: paths.map((name) => ({ name, message: 'src/core is pure: do the I/O in an adapter and pass the data in.' })) }];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/**', 'bench/**', 'bin/**', 'templates/**', 'scripts/**'] },
  {
    files: ['src/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [{ group: ['../adapters/*', '../commands/*', '../run/*', '../ui/*', '../cli/*', '../engines/*', '../workspace.js'], message: 'src/core imports only src/core.' }],
        [...NODE_IO, ...OUTSIDE_WORLD],
      ),
    },
  },
  {
    files: ['src/commands/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['./*'], message: 'Commands never import each other: shared logic goes in src/run, src/core or src/workspace.ts.' }, { group: ['../cli/*'], message: 'Only the CLI imports the CLI.' }] }],
    },
  },
  {
    files: ['src/ui/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../commands/*', '../run/*', '../workspace.js', '../cli/*'], message: 'Renderers take results whose types live in src/core.' }] }],
    },
  },
  {
    files: ['src/adapters/**/*.ts', 'src/run/**/*.ts', 'src/engines/**/*.ts', 'src/workspace.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../commands/*', '../cli/*', './commands/*', './cli/*'], message: 'Commands and the CLI sit above this layer.' }] }],
    },
  },
);
