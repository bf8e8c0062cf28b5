/**
 * Specs of about `bytes` bytes in shapes the realistic generator never writes, each of which once made a part of
 * the intake or the planner grow faster than the spec: thousands of listed components, one long table, code blocks
 * between every requirement, the same bullet written again and again, and all of them at once.
 */
export const ODD_SHAPES = ['components', 'table', 'fences', 'restated', 'mixed'];

const writers = {
  components: (n) => (n === 1 ? ['## Components', '', `- c${n} service`] : [`- c${n} service`]),
  table: (n) => (n === 1 ? ['## Commands', '', '| Command | Description |', '| --- | --- |', `| \`tool run-${n}\` | Runs step ${n} |`] : [`| \`tool run-${n}\` | Runs step ${n} |`]),
  fences: (n) => [`## Requirement area ${n}`, '', `- The exporter writes record ${n} to \`out/${n}.json\``, '', '```json', `{ "id": ${n}, "kind": "record" }`, '```', ''],
  restated: (n) => (n === 1 ? ['## Requirements', '', '- Same requirement'] : ['- Same requirement']),
};

export function generateOddSpec(bytes, shape) {
  const parts = [`# Odd spec: ${shape}`, ''];
  let size = parts.join('\n').length;
  for (let n = 1; size < bytes; n++) {
    const lines = shape === 'mixed' ? writers[ODD_SHAPES[n % 4]](Math.ceil(n / 4)) : writers[shape](n);
    for (const line of lines) {
      parts.push(line);
      size += line.length + 1;
    }
  }
  return `${parts.join('\n')}\n`;
}
