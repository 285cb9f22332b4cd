/**
 * The plain line of a finished download, the same in `hit fetch PROFILE` and `hit build`:
 * `fetched "zlib": tar.gz:… from "URL" (1.5 MiB in 0.4 s)`. Pure.
 */
import { describeSource, type NeededSource } from "../stages/missing_sources.ts";
import { formatBytes } from "./format_bytes.ts";

/** The words (no newline) saying that `source` was downloaded: its size and, if known, time. */
export function fetchedLine(source: NeededSource, bytes: number, seconds?: number): string {
  const time = seconds === undefined ? "" : ` in ${seconds.toFixed(1)} s`;
  return `fetched ${describeSource(source)} (${formatBytes(bytes)}${time})`;
}
