/**
 * The progress view of `hit build`: a state built from build events, rendered as a live block on
 * a terminal (a summary line over one line per running package) or as plain timestamped lines.
 * Everything but `ProgressWriter` is pure; the writer only chooses when to print what.
 */
import { formatBytes } from "./format_bytes.ts";
import { fetchedLine } from "./fetched_line.ts";
import type { BuildEvent } from "../stages/build_profile.ts";
import type { Writer } from "./output.ts";

/** A package build that is running, as the live view shows it. */
export interface RunningBuild {
  name: string;
  /** Its `HASHDIST_CPU_COUNT`; none for the profile artifact. */
  cpus?: number;
  /** When it started, in milliseconds of the writer's clock. */
  startedAt: number;
  /** What it seems to be doing, guessed from its output (`guessStage`). */
  stage: string;
  /** Its last non-empty output line, cleaned for the terminal. */
  lastLine: string;
}

/** What the progress view knows about a run. */
export interface ProgressState {
  startedAt: number;
  /** Packages to build in this run. */
  total: number;
  /** Packages found in the store already. */
  cached: number;
  built: number;
  /** Packages pulled from a remote (counted in `built` too). */
  pulled?: number;
  failed: number;
  /** Packages left unbuilt or stopped. */
  skipped: number;
  /** The package whose sources are being fetched, before building starts. */
  fetching?: string;
  /** The bytes of the download under way, and its size when known. */
  fetchBytes?: { bytes: number; total?: number };
  /** Running builds, in the order they started. */
  running: RunningBuild[];
}

/** The state before any event, at time `now` (milliseconds). */
export function initialProgress(now: number): ProgressState {
  return { startedAt: now, total: 0, cached: 0, built: 0, failed: 0, skipped: 0, running: [] };
}

/** The state after `event`, which happened at time `now` (milliseconds). */
export function applyEvent(state: ProgressState, event: BuildEvent, now: number): ProgressState {
  const without = (name: string) => state.running.filter((build) => build.name !== name);
  switch (event.type) {
    case "plan":
      return { ...state, total: event.toBuild.length, cached: event.cached.length };
    case "fetch":
      return {
        ...state,
        fetching: event.name,
        fetchBytes: event.bytes === undefined
          ? undefined
          : { bytes: event.bytes, total: event.total },
      };
    case "start":
      return {
        ...state,
        fetching: undefined,
        fetchBytes: undefined,
        running: [...without(event.name), {
          name: event.name,
          cpus: event.cpus,
          startedAt: now,
          stage: event.name === "profile"
            ? "linking"
            : event.node === undefined
            ? "starting"
            : `on ${event.node}`,
          lastLine: "",
        }],
      };
    case "output": {
      const line = cleanLine(event.line);
      return {
        ...state,
        running: state.running.map((build) =>
          build.name !== event.name || line === "" ? build : {
            ...build,
            stage: guessStage(line, build.stage),
            lastLine: line,
          }
        ),
      };
    }
    case "done":
      return {
        ...state,
        built: state.built + (event.name === "profile" ? 0 : 1),
        running: without(event.name),
      };
    case "pulled":
      return event.name === "profile" ? state : {
        ...state,
        built: state.built + 1,
        pulled: (state.pulled ?? 0) + 1,
      };
    case "failed":
      return { ...state, failed: state.failed + 1, running: without(event.name) };
    case "stopped":
    case "skipped":
      return { ...state, skipped: state.skipped + 1, running: without(event.name) };
    case "queued":
    case "fetched":
    case "linked":
    case "warning":
      return state;
  }
}

/**
 * The build step a line of output suggests, else `previous` (`running` after `starting`): a
 * guess from the usual output of configure scripts, CMake, compilers and `make install`, since
 * the build script is one bash run.
 */
export function guessStage(line: string, previous: string): string {
  if (
    /^(checking |configure: |config\.status: |-- (Check|Detecting|Looking|Configuring))/.test(line)
  ) {
    return "configure";
  }
  if (
    /^(libtool: install|-- (Installing|Up-to-date): |Installing |\/usr\/bin\/install )/.test(line)
  ) {
    return "install";
  }
  if (/(^|\s)(\/usr\/bin\/)?install -c /.test(line) && previous !== "configure") return "install";
  if (
    /^(libtool: (compile|link)|\s*(CC|CXX|CCLD|CXXLD|LD|AR)\s|\[\s*\d+%\] (Building|Linking))/
      .test(line) ||
    /^(\S*-)?(gcc|g\+\+|cc|c\+\+|clang|clang\+\+|ar|ranlib)\s/.test(line)
  ) {
    return previous === "install" ? previous : "compile";
  }
  // A bash-handler stage prints anything: once it does, the build is past starting.
  return previous === "starting" ? "running" : previous;
}

/** Options of `renderProgress`. */
export interface RenderOptions {
  /** The terminal's columns; no line reaches the last one. */
  width: number;
  /** The terminal's rows; the block never takes more (default: unlimited). */
  height?: number;
  /** The current time, in milliseconds of the state's clock. */
  now: number;
  /** ANSI styles (bold summary, red failures, dim output). */
  color?: boolean;
}

/** The live block: a summary line, then one line per running package; no final newline. */
export function renderProgress(state: ProgressState, options: RenderOptions): string {
  const width = Math.max(1, options.width - 1);
  const style = (code: string, text: string) =>
    options.color && text !== "" ? `\x1b[${code}m${text}\x1b[0m` : text;
  const done = state.built + state.failed + state.skipped;
  const summary: Segment[] = [
    { text: `${done}/${state.total} done`, style: "1" },
    { text: ", " },
    { text: `${state.failed} failed`, style: state.failed > 0 ? "31" : undefined },
    { text: `, ${state.cached} cached` },
    { text: state.pulled ? `, ${state.pulled} pulled` : "" },
    { text: `  ${formatElapsed((options.now - state.startedAt) / 1000)}` },
  ];
  if (state.fetching !== undefined) {
    const bytes = state.fetchBytes === undefined
      ? ""
      : `  ${formatBytes(state.fetchBytes.bytes)}${
        state.fetchBytes.total === undefined ? "" : ` / ${formatBytes(state.fetchBytes.total)}`
      }`;
    summary.push({ text: `  fetching the sources of ${state.fetching}${bytes}` });
  }
  const lines = [renderSegments(summary, width, style)];
  const room = options.height === undefined ? Infinity : Math.max(0, options.height - 2);
  const shown = state.running.length > room
    ? state.running.slice(0, Math.max(0, room - 1))
    : state.running;
  // Everything on a package's line but its name and last output line takes 26 columns.
  const nameWidth = Math.min(
    24,
    Math.max(6, width - 26),
    Math.max(0, ...shown.map((build) => build.name.length)),
  );
  for (const build of shown) {
    const cpus = build.cpus === undefined ? "" : `-j${build.cpus}`;
    const fixed: Segment[] = [
      { text: `  ${fit(build.name, nameWidth).padEnd(nameWidth)}` },
      { text: `  ${cpus.padEnd(4)}  ${build.stage.padEnd(9)}` },
      { text: `  ${formatElapsed((options.now - build.startedAt) / 1000).padStart(5)}` },
    ];
    const used = fixed.reduce((sum, segment) => sum + segment.text.length, 0);
    // On a narrow terminal the name and the time matter most: drop the rest first.
    const segments = used + 10 <= width
      ? [...fixed, ...(build.lastLine === "" ? [] : [{ text: `  ${build.lastLine}`, style: "2" }])]
      : used <= width
      ? fixed
      : [fixed[0], fixed[2]];
    lines.push(renderSegments(segments, width, style).trimEnd());
  }
  if (shown.length < state.running.length) {
    lines.push(
      renderSegments(
        [{ text: `  … and ${state.running.length - shown.length} more` }],
        width,
        style,
      ),
    );
  }
  return lines.join("\n");
}

/** Options of `renderPlainLine`. */
export interface PlainOptions {
  /** When the event happened (local time is printed). */
  time: Date;
  /** Print build output lines too (`-v`). */
  verbose: boolean;
}

/** One plain, timestamped line for `event` (with its newline), or undefined for none. */
export function renderPlainLine(event: BuildEvent, options: PlainOptions): string | undefined {
  const text = plainText(event, options.verbose);
  return text === undefined ? undefined : `${formatClock(options.time)} ${text}\n`;
}

function plainText(event: BuildEvent, verbose: boolean): string | undefined {
  switch (event.type) {
    case "plan":
      return event.toBuild.length === 0
        ? undefined
        : `${event.toBuild.length} to build, ${event.cached.length} already built`;
    case "fetch":
      return undefined;
    case "queued":
      return `[${event.name}] queued as Slurm job ${event.job}, waiting for ${
        event.waiting === "dependencies" ? "its dependencies" : "resources"
      }`;
    case "fetched":
      return fetchedLine({ ...event, packages: [event.name] }, event.bytes, event.seconds);
    case "start":
      return `[${event.name}] building ${event.id}${
        event.node === undefined ? "" : ` on ${event.node}`
      }`;
    case "output":
      return verbose ? `[${event.name}] ${event.line}` : undefined;
    case "done":
      return `[${event.name}] ${event.status === "built" ? "built" : "already built"} in ${
        event.seconds.toFixed(1)
      } s`;
    case "pulled":
      return `[${event.name}] pulled ${event.id} from "${event.from}" (${
        formatBytes(event.bytes)
      } in ${event.seconds.toFixed(1)} s)`;
    case "failed":
      return `[${event.name}] FAILED after ${event.seconds.toFixed(1)} s`;
    case "stopped":
      return `[${event.name}] stopped after ${event.seconds.toFixed(1)} s`;
    case "skipped":
      return event.reason.kind === "dependency"
        ? `[${event.name}] not built: it needs "${event.reason.failed}", which failed`
        : `[${event.name}] not built: the build stopped`;
    case "linked":
      return undefined;
    case "warning":
      return event.name === undefined
        ? `warning: ${event.message}`
        : `[${event.name}] warning: ${event.message}`;
  }
}

/** How `hit build` shows progress: a live block, plain lines, or nothing. */
export type ProgressMode = "live" | "plain" | "quiet";

/**
 * Live on a terminal that can move the cursor; plain lines otherwise (not a terminal, or
 * `TERM=dumb`); nothing with `--quiet`. `NO_COLOR` only removes colour, from the live block.
 */
export function chooseProgressMode(
  options: { isTerminal: boolean; term?: string; quiet: boolean },
): ProgressMode {
  if (options.quiet) return "quiet";
  return options.isTerminal && options.term !== "dumb" ? "live" : "plain";
}

/** Elapsed time as `m:ss`, or `h:mm:ss` from an hour on. */
export function formatElapsed(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const s = String(total % 60).padStart(2, "0");
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes}:${s}`;
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}:${s}`;
}

/** Local time of day as `HH:MM:SS`. */
export function formatClock(time: Date): string {
  return [time.getHours(), time.getMinutes(), time.getSeconds()]
    .map((part) => String(part).padStart(2, "0")).join(":");
}

interface Segment {
  text: string;
  /** An SGR code such as "1" (bold). */
  style?: string;
}

/** Joins segments cut to `width` characters, styling each piece that is left. */
function renderSegments(
  segments: Segment[],
  width: number,
  style: (code: string, text: string) => string,
): string {
  let left = width;
  let out = "";
  for (const segment of segments) {
    const chars = [...segment.text];
    const piece = chars.length <= left ? segment.text : chars.slice(0, Math.max(0, left - 1))
      .join("") + (left > 0 ? "…" : "");
    left -= Math.min(chars.length, left);
    out += segment.style === undefined ? piece : style(segment.style, piece);
    if (left === 0) break;
  }
  return out;
}

function fit(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : chars.slice(0, Math.max(0, width - 1)).join("") + "…";
}

/** A line of build output fit for one terminal line: no escapes, controls or tabs. */
function cleanLine(line: string): string {
  return line
    // deno-lint-ignore no-control-regex
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "")
    // deno-lint-ignore no-control-regex
    .replace(/\r$|[\x00-\x08\x0b-\x1f\x7f]/g, "")
    .replace(/\t/g, " ")
    .trim();
}

/** Options of `ProgressWriter`. */
export interface ProgressWriterOptions {
  mode: ProgressMode;
  verbose: boolean;
  /** Milliseconds, for elapsed times. */
  now: () => number;
  /** The wall clock, for plain lines. */
  clock: () => Date;
  /** The terminal's size, for the live block. */
  size: () => { columns: number; rows: number };
  /** How often the live block is redrawn, in milliseconds (default 200). */
  interval?: number;
  /** Colour in the live block (not with `NO_COLOR`). */
  color?: boolean;
}

/**
 * Prints build events to `out` as the mode says: plain lines as they come, or lines above a
 * live block redrawn on a timer. Owns the timer; dispose of it to stop and clear the block.
 */
export class ProgressWriter implements AsyncDisposable {
  #out: Writer;
  #options: ProgressWriterOptions;
  #state: ProgressState;
  #pending: Promise<void> = Promise.resolve();
  /** Lines of the block on screen now. */
  #drawn = 0;
  /** Permanent lines waiting to go above the block. */
  #above: string[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(out: Writer, options: ProgressWriterOptions) {
    this.#out = out;
    this.#options = options;
    this.#state = initialProgress(options.now());
    if (options.mode === "live") {
      this.#timer = setInterval(() => this.#draw(), options.interval ?? 200);
    }
  }

  /** Takes one build event. */
  event(event: BuildEvent): void {
    const { mode, verbose } = this.#options;
    if (mode === "quiet" && event.type === "warning") this.#write(`warning: ${event.message}\n`);
    if (mode === "quiet") return;
    this.#state = applyEvent(this.#state, event, this.#options.now());
    const line = renderPlainLine(event, { time: this.#options.clock(), verbose });
    if (mode === "plain") {
      if (line !== undefined) this.#write(line);
      return;
    }
    // The live block shows what runs; only what ended (and `-v` output) stays above it.
    if (line !== undefined && event.type !== "start" && event.type !== "plan") {
      this.#above.push(line);
    }
    // Output lines and download bytes come fast: the timer redraws them.
    if (event.type !== "output" && !(event.type === "fetch" && event.bytes !== undefined)) {
      this.#draw();
    }
  }

  /** Waits until everything taken so far is written. */
  async flush(): Promise<void> {
    await this.#pending;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#options.mode === "live") this.#write(this.#erase() + this.#above.join(""));
    this.#above = [];
    await this.#pending;
  }

  #draw(): void {
    const { columns, rows } = this.#options.size();
    const block = renderProgress(this.#state, {
      width: columns,
      height: rows,
      now: this.#options.now(),
      color: this.#options.color ?? true,
    });
    const text = this.#erase() + this.#above.join("") + block + "\n";
    this.#above = [];
    this.#drawn = block.split("\n").length;
    this.#write(text);
  }

  /** Moves to the block's first line and clears from there down. */
  #erase(): string {
    const up = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : "";
    this.#drawn = 0;
    return `\r${up}\x1b[J`;
  }

  #write(text: string): void {
    // Progress is best effort: a closed stderr must not fail the build.
    this.#pending = this.#pending.then(() => this.#out.write(text)).catch(() => {});
  }
}
