import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Each test file in its own process: tests start, signal and kill real child processes (agents, supervisors,
    // servers), and one that misbehaves cannot take the runner down with it.
    pool: 'forks',
    // Two files at a time on any machine: end-to-end files mostly wait on git and claude processes, so two keep a
    // 2-core machine busy, while more starve each other and the runner's own messages (worker RPC timeouts).
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Workers end their child processes before they exit; give that time on a loaded machine.
    teardownTimeout: 30_000,
  },
});
