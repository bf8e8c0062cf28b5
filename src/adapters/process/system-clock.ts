/** The Clock port on real time. */
import type { Clock } from '../../run/ports.js';

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
