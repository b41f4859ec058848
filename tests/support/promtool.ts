import { spawnSync } from 'node:child_process';

/**
 * Prometheus's own tool (Debian's `prometheus` package; .ci/run installs it): its parser and
 * linter for an exposition (`check metrics`), and its rule checker (`check rules`).
 */
export function promtool(args: string[], input?: string): { status: number; output: string } {
  const run = spawnSync('promtool', args, { input, encoding: 'utf8' });
  if (run.error) {
    throw new Error(`promtool is missing (apt-get install prometheus, or see .ci/run): ${run.error.message}`);
  }
  return { status: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}

/**
 * `promtool check metrics`: the exposition parses (exit 1 otherwise), and the lint findings
 * (exit 3) are returned, one per line.
 */
export function lintExposition(text: string): string[] {
  const { status, output } = promtool(['check', 'metrics'], text);
  if (status !== 0 && status !== 3) throw new Error(`the exposition does not parse: ${output}`);
  return output.split('\n').filter((line) => line.trim() !== '');
}
