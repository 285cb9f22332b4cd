/**
 * `hit list`: the artifacts in the build store (as `spack find`, `nix path-info`): name, id,
 * disk usage, when it was built, and whether a gc root keeps it. Rendering is pure; `run` reads
 * the store and the gc roots, and writes nothing.
 */
import { join } from "node:path";
import { markLive, storeMarkSources } from "../core/gc.ts";
import { readGcRoots } from "../core/gc_roots.ts";
import { diskUsage, listStoredArtifacts } from "../core/stored_artifacts.ts";
import { type OptionSpec, parseOptions, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import { formatBytes } from "./format_bytes.ts";

const OPTIONS: readonly OptionSpec[] = [
  { name: "json", description: "print a JSON list (fields as in the README)" },
];

/** One artifact of `hit list`; the `--json` fields. */
export interface ListedArtifact {
  name: string;
  id: string;
  path: string;
  /** Disk usage in bytes. */
  size: number;
  /** When it was committed (its `id` file), ISO 8601. */
  built_at: string | null;
  /** Whether a gc root keeps it (`hit gc` would leave it). */
  kept: boolean;
}

/** Renders the artifacts as aligned columns, with a total line. */
export function renderList(artifacts: readonly ListedArtifact[]): string {
  if (artifacts.length === 0) return "the build store is empty\n";
  const idWidth = Math.max(...artifacts.map((artifact) => artifact.id.length));
  const lines = artifacts.map((artifact) =>
    [
      artifact.id.padEnd(idWidth),
      formatBytes(artifact.size).padStart(9),
      (artifact.built_at ?? "").slice(0, 16).replace("T", " ").padEnd(16),
      artifact.kept ? "kept by a gc root" : "not kept",
    ].join("  ") + "\n"
  );
  const total = artifacts.reduce((sum, artifact) => sum + artifact.size, 0);
  const kept = artifacts.filter((artifact) => artifact.kept).length;
  return lines.join("") +
    `${artifacts.length} artifacts, ${formatBytes(total)}; ${kept} kept by gc roots\n`;
}

/** The `list` command. */
export const listCommand: Command = {
  name: "list",
  summary: "list the artifacts in the build store, their size and whether a gc root keeps them",
  usage: `hit list [--json]

Lists every artifact in the build store: its id, disk usage, when it was built, and whether a
gc root keeps it (what "hit gc" would leave).

examples:
  hit list
  hit list --json`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const { values, positionals } = parseOptions("list", OPTIONS, args);
    if (positionals.length > 0) throw usageError("list", `unexpected argument "${positionals[0]}"`);
    const config = await commandConfig(context);
    const stored = await listStoredArtifacts(config.buildStore);
    const roots = await readGcRoots(config.gcRoots);
    const live = await markLive(roots, "run", storeMarkSources(config.buildStore, stored));
    const artifacts: ListedArtifact[] = [];
    for (const artifact of stored) {
      if (artifact.id === undefined) continue;
      const committed = await Deno.stat(join(artifact.dir, "id")).catch(() => undefined);
      artifacts.push({
        name: artifact.name,
        id: artifact.id,
        path: artifact.dir,
        size: await diskUsage(artifact.dir),
        built_at: committed?.mtime?.toISOString() ?? null,
        kept: live.has(artifact.id),
      });
    }
    await context.stdout.write(
      values.json === true ? JSON.stringify(artifacts, null, 2) + "\n" : renderList(artifacts),
    );
    return 0;
  },
};
