/** Generates a realistic PRD of about `bytes` bytes: epics with stories, requirements, acceptance criteria. */
export function generateSpec(bytes) {
  const parts = ['# Generated platform PRD', '', '## Overview', '', 'A platform assembled from many epics, used to measure xplan on large specs.', ''];
  let size = parts.join('\n').length;
  let epic = 0;
  let fr = 0;
  while (size < bytes) {
    epic++;
    const lines = [`## Epic ${epic} — Capability ${epic}`, '', `### User stories`, ''];
    for (let s = 1; s <= 3; s++) lines.push(`- As an operator of area ${epic}, I want workflow ${s} to be automated, so that I can ship faster.`);
    lines.push('', '### Requirements', '');
    for (let r = 0; r < 12; r++) {
      fr++;
      lines.push(`- **FR-${fr}**: The ${['api', 'web UI', 'worker', 'database'][r % 4]} MUST support operation ${fr} with validation, audit logging and pagination via \`GET /api/v1/area-${epic}/items\`.`);
    }
    lines.push('', '### Acceptance criteria', '');
    for (let a = fr - 11; a <= fr; a += 3) lines.push(`- [ ] Given a seeded dataset, when operation FR-${a} runs, then the result is persisted (FR-${a}).`);
    lines.push('', '### Risks', '', `- Data volume in area ${epic} may exceed the default limits.`, '');
    const text = lines.join('\n');
    parts.push(text);
    size += text.length + 1;
  }
  return parts.join('\n');
}
