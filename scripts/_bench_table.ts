/**
 * The one table `deno task bench` ends with: each measurement of `hit` beside a reference run
 * in the same run, their ratio and the goal for it. Plus the small timing helpers the suites
 * share. Timings live in the benchmarks, never in tests.
 */

/** One row of the table: `hit`'s time against a reference time from the same run. */
export interface BenchRow {
  what: string;
  /** Seconds `hit` took (absent when the row was skipped). */
  hit?: number;
  /** What the reference is: another program, a bound, or a fixed target. */
  reference: string;
  referenceSeconds?: number;
  /** The largest `hit / reference` that meets the goal. */
  goal: number;
  /** Why the row has no figures. */
  skipped?: string;
}

/** Renders `rows` as one Markdown table, with a verdict per row. */
export function renderTable(rows: readonly BenchRow[]): string {
  const lines = [
    "| what | hit | reference | hit / reference | goal | |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const row of rows) {
    const goal = `≤ ${row.goal}${row.goal < 1 ? ` (${(1 / row.goal).toFixed(0)}× faster)` : ""}`;
    if (row.skipped !== undefined || row.hit === undefined || row.referenceSeconds === undefined) {
      lines.push(
        `| ${row.what} | | ${row.reference} | | ${goal} | skipped: ${row.skipped ?? "no figure"} |`,
      );
      continue;
    }
    const ratio = row.hit / row.referenceSeconds;
    const faster = ratio < 1 ? ` (${(1 / ratio).toFixed(1)}× faster)` : "";
    lines.push(
      `| ${row.what} | ${seconds(row.hit)} | ${row.reference} ${seconds(row.referenceSeconds)} | ` +
        `${ratio.toFixed(2)}${faster} | ${goal} | ${ratio <= row.goal ? "met" : "missed"} |`,
    );
  }
  return lines.join("\n") + "\n";
}

/** `1.234 s`, or `12.3 s` from ten seconds on. */
export function seconds(value: number): string {
  return value >= 10 ? `${value.toFixed(1)} s` : `${value.toFixed(3)} s`;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Options of `timeProgram`. */
export interface TimeOptions {
  cwd?: string;
  /** The whole environment of the program (nothing else is inherited). */
  env?: Record<string, string>;
  /** Checks the output; returns why it is wrong, or undefined. */
  check?: (stdout: string) => string | undefined;
}

/**
 * Runs `program` with `args` once, output captured; returns the wall seconds it took.
 * @throws {Error} when it fails or its output does not pass `check`.
 */
export async function timeProgram(
  program: string,
  args: string[],
  options: TimeOptions = {},
): Promise<number> {
  const start = performance.now();
  const output = await new Deno.Command(program, {
    args,
    cwd: options.cwd,
    clearEnv: options.env !== undefined,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const elapsed = (performance.now() - start) / 1000;
  const stdout = new TextDecoder().decode(output.stdout);
  if (output.code !== 0) {
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-3).join(" ");
    throw new Error(`${program} ${args.join(" ")}: exit ${output.code}: ${stderr}`);
  }
  const wrong = options.check?.(stdout);
  if (wrong !== undefined) throw new Error(`${program} ${args.join(" ")}: ${wrong}`);
  return elapsed;
}
