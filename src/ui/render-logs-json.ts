/** `xplan logs --json`: one JSON document per transcript line, saying whose line it is. */
export function transcriptJsonLine(source: { taskId: string; attempt: number; agent: number }, line: string): string {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    event = null; // not JSON (a torn line): kept as text
  }
  return JSON.stringify({ schemaVersion: 1, taskId: source.taskId, attempt: source.attempt, agent: source.agent, ...(event !== null && typeof event === 'object' ? { event } : { text: line }) });
}
