/**
 * The one way `hit` starts a program outside the build sandbox (git, patchelf, tar, mkfifo,
 * bzip2, xz): an explicit environment (nothing inherited), no input, and every failure as a
 * `HitError` naming the program, its exit code and the last lines of its stderr. A missing
 * program is a `HitError` with a hint, never a stack trace. Reads no environment itself.
 */
import { basename } from "node:path";
import { HitError } from "../errors.ts";

/** How many lines of a failed program's stderr an error shows. */
export const STDERR_TAIL_LINES = 20;

/** Options of `runProgram` and `spawnProgram`. */
export interface ProgramOptions {
  args: string[];
  /** The program's whole environment; it inherits nothing. */
  env: Readonly<Record<string, string>>;
  cwd?: string;
  /** Exit codes that are answers, not failures; default `[0]`. */
  allowedCodes?: readonly number[];
  /** What `hit` was doing, for errors; default `run "PROGRAM ARGS"`. */
  action?: string;
  /** The hint when the program is missing; default: install it or put it on PATH. */
  missingHint?: string;
  /** Keep stdout (default) or drop it. */
  stdout?: "piped" | "null";
}

/** What a finished program said. */
export interface ProgramResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `program` to its end and returns its exit code and output.
 * @throws {HitError} when the program is missing, or exits with a code not allowed.
 */
export async function runProgram(
  program: string,
  options: ProgramOptions,
): Promise<ProgramResult> {
  let output: Deno.CommandOutput;
  try {
    output = await command(program, options, { stdin: "null" }).output();
  } catch (error) {
    throw startFailure(program, options, error);
  }
  const decoder = new TextDecoder();
  const result = {
    code: output.code,
    stdout: options.stdout === "null" ? "" : decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
  if (!(options.allowedCodes ?? [0]).includes(output.code)) {
    throw programFailed(program, options, result.code, result.stderr);
  }
  return result;
}

/**
 * Starts `program` with piped stdin, stdout and stderr, for a caller that streams through it;
 * the caller checks its status (with `programFailed` for the error).
 * @throws {HitError} when the program is missing.
 */
export function spawnProgram(program: string, options: ProgramOptions): Deno.ChildProcess {
  try {
    return command(program, options, { stdin: "piped" }).spawn();
  } catch (error) {
    throw startFailure(program, options, error);
  }
}

/** The error for `program` having exited with `code`, showing the tail of `stderr`. */
export function programFailed(
  program: string,
  options: Pick<ProgramOptions, "args" | "action">,
  code: number,
  stderr: string,
): HitError {
  const name = basename(program);
  const lines = stderr.split("\n").map((line) => line.trimEnd()).filter((line) => line !== "");
  return new HitError(`${actionOf(program, options)}: exit code ${code}`, {
    context: lines.slice(-STDERR_TAIL_LINES).map((line) =>
      `${name}: ${line.startsWith(`${name}: `) ? line.slice(name.length + 2) : line}`
    ),
  });
}

function command(
  program: string,
  options: ProgramOptions,
  io: { stdin: "null" | "piped" },
): Deno.Command {
  return new Deno.Command(program, {
    args: options.args,
    cwd: options.cwd,
    clearEnv: true,
    env: { ...options.env },
    stdin: io.stdin,
    stdout: options.stdout ?? "piped",
    stderr: "piped",
  });
}

function startFailure(program: string, options: ProgramOptions, error: unknown): Error {
  // Outside a stage worker's `run` grant: a bug in `hit`, reported as such by the stage.
  if (error instanceof Deno.errors.NotCapable) return error;
  const name = basename(program);
  if (error instanceof Deno.errors.NotFound) {
    return new HitError(`${actionOf(program, options)}: the ${name} program is not installed`, {
      context: program.includes("/") ? [] : [`searched PATH "${options.env.PATH ?? ""}"`],
      hint: options.missingHint ?? `install ${name}, or put it on PATH`,
      cause: error,
    });
  }
  return new HitError(`${actionOf(program, options)}: ${(error as Error).message}`, {
    cause: error,
  });
}

function actionOf(program: string, options: Pick<ProgramOptions, "args" | "action">): string {
  return options.action ?? `run "${[basename(program), ...options.args].join(" ")}"`;
}
