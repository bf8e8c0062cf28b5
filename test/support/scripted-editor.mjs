#!/usr/bin/env node
// A stand-in for $EDITOR: `node scripted-editor.mjs <steps.json> <file>`. Each call applies the next step to the
// file and keeps a copy of what it was shown (<steps.json>.seen.<n>), so tests can check what xplan reopened.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const [stepsFile, file] = process.argv.slice(2);
const steps = JSON.parse(readFileSync(stepsFile, 'utf8'));
const counterFile = `${stepsFile}.count`;
const n = existsSync(counterFile) ? Number(readFileSync(counterFile, 'utf8')) : 0;
writeFileSync(counterFile, String(n + 1));
const text = readFileSync(file, 'utf8');
writeFileSync(`${stepsFile}.seen.${n}`, text);
const step = steps[n] ?? { keep: true };
if (step.exit !== undefined) process.exit(step.exit);
if (step.replace) {
  const [from, to] = step.replace;
  if (!text.includes(from)) throw new Error(`scripted editor: "${from}" not in the file`);
  writeFileSync(file, text.replace(from, to));
}
if (step.write !== undefined) writeFileSync(file, step.write);
