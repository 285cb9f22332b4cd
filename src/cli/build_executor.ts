/**
 * Where `hit build` builds the packages: `--executor local|slurm` and the `--slurm-*` options,
 * merged over the configuration's `executor:` key. Parsing is pure; `chooseExecutor` only
 * creates the Slurm executor, which runs nothing until the build calls it.
 */
import type { Config } from "../core/config.ts";
import type { BuildContext } from "../stages/build_artifact.ts";
import type { PackageExecutor } from "../stages/build_profile.ts";
import { slurmExecutor } from "../stages/slurm_executor.ts";
import type { SlurmOptions } from "../stages/slurm_plan.ts";
import { type OptionSpec, usageError } from "./args.ts";

/** The executor part of `hit build`'s command line. */
export interface ExecutorArgs {
  executor?: "local" | "slurm";
  partition?: string;
  time?: string;
  account?: string;
  qos?: string;
  extraArgs: string[];
  group?: number;
}

/** The executor options, for the option list of `hit build`. */
export const EXECUTOR_OPTIONS: readonly OptionSpec[] = [
  {
    name: "executor",
    value: "KIND",
    choices: ["local", "slurm"],
    description: `"local" (default) or "slurm": one batch job per missing package`,
  },
  { name: "slurm-partition", value: "NAME", description: "Slurm partition of the jobs" },
  { name: "slurm-time", value: "TIME", description: "time limit of each job (sbatch --time)" },
  { name: "slurm-account", value: "NAME", description: "account to charge (sbatch --account)" },
  { name: "slurm-qos", value: "NAME", description: "quality of service (sbatch --qos)" },
  {
    name: "slurm-arg",
    value: "ARG",
    repeatable: true,
    description: `one more sbatch argument ("--slurm-arg=--mem=4G"); repeatable`,
  },
  {
    name: "slurm-group",
    value: "N",
    description: "build chains of up to N packages in one job (default 1)",
  },
];

/**
 * The executor options of parsed options whose list included `EXECUTOR_OPTIONS`.
 * @throws {HitError} (exit 2) on a bad value.
 */
export function executorArgs(
  command: string,
  values: Record<string, string | true>,
  repeated: Record<string, string[]> | undefined,
): ExecutorArgs {
  const executor = values.executor as string | undefined;
  if (executor !== undefined && executor !== "local" && executor !== "slurm") {
    throw usageError(command, `unknown executor "${executor}"`, `use "local" or "slurm"`);
  }
  let group: number | undefined;
  if (values["slurm-group"] !== undefined) {
    group = Number(values["slurm-group"]);
    if (!Number.isInteger(group) || group < 1) {
      throw usageError(
        command,
        `"--slurm-group" needs a whole number, got "${values["slurm-group"]}"`,
      );
    }
  }
  return {
    executor: executor as ExecutorArgs["executor"],
    partition: values["slurm-partition"] as string | undefined,
    time: values["slurm-time"] as string | undefined,
    account: values["slurm-account"] as string | undefined,
    qos: values["slurm-qos"] as string | undefined,
    extraArgs: repeated?.["slurm-arg"] ?? [],
    group,
  };
}

/** The Slurm options of a run: the command line over the configuration. */
export function slurmOptions(args: ExecutorArgs, config: Config): SlurmOptions {
  const settings = config.executor?.kind === "slurm" ? config.executor : undefined;
  return {
    partition: args.partition ?? settings?.partition,
    time: args.time ?? settings?.time,
    account: args.account ?? settings?.account,
    qos: args.qos ?? settings?.qos,
    extraArgs: [...(settings?.extraArgs ?? []), ...args.extraArgs],
    group: args.group ?? settings?.group ?? 1,
  };
}

/**
 * The executor of a build: undefined for the local one, or the Slurm executor. `cpus` is what
 * each job asks for (`-j N` when given), clamped to the partition's nodes.
 */
export function chooseExecutor(
  args: ExecutorArgs,
  config: Config,
  build: BuildContext,
  options: { env: Readonly<Record<string, string>>; cpus?: number },
): PackageExecutor | undefined {
  const kind = args.executor ?? config.executor?.kind ?? "local";
  if (kind === "local") return undefined;
  return slurmExecutor(build, {
    slurm: slurmOptions(args, config),
    env: options.env,
    cpus: options.cpus,
  });
}
