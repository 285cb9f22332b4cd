/**
 * The link rules of `create-links` (HASHDIST.md §7.1, §7.3): a dry run turns rules into actions
 * against the file system as it is, then the actions run in order. Touches only the paths the
 * rules name; `$LAUNCHER` comes from the environment given.
 */
import { dirname, resolve } from "node:path";
import { HitError } from "../errors.ts";
import { antGlob } from "./ant_glob.ts";
import { substituteTemplate } from "./job_vars.ts";
import {
  copyUnlessEqual,
  makeDirectories,
  makeLauncher,
  relativePath,
  symlinkUnlessPresent,
  unlinkIfPresent,
} from "./link_actions.ts";

/** The action names a rule may use (`symlink` is `absolute_symlink`). */
export type LinkRuleAction =
  | "symlink"
  | "absolute_symlink"
  | "relative_symlink"
  | "copy"
  | "exclude"
  | "launcher";

/** One link rule as written in the JSON document (§7.1). */
export interface LinkRule {
  action: LinkRuleAction;
  select?: string | string[];
  source?: string;
  prefix?: string;
  target?: string;
  dirs?: boolean;
  overwrite?: boolean;
}

/** One step of the plan; paths are as computed, relative ones taken from the cwd. */
export type LinkAction =
  | { kind: "mkdir"; path: string }
  | { kind: "unlink"; path: string }
  | {
    kind: "relative_symlink" | "absolute_symlink" | "copy" | "launcher";
    source: string;
    dest: string;
  };

/** Where rules are planned and run: the environment for `$NAME` and the working folder. */
export interface LinkContext {
  env: Readonly<Record<string, string>>;
  cwd: string;
}

const ACTIONS: readonly string[] = [
  "symlink",
  "absolute_symlink",
  "relative_symlink",
  "copy",
  "exclude",
  "launcher",
];

/**
 * Checks that `value` is a list of link rules and returns it typed.
 * @throws {HitError} naming the first rule with a missing or mistyped field.
 */
export function parseLinkRules(value: unknown): LinkRule[] {
  if (!Array.isArray(value)) {
    throw new HitError(`read link rules: expected a list of rules, got ${typeName(value)}`);
  }
  return value.map((rule, index) => {
    const where = `link rule ${index + 1}`;
    if (typeof rule !== "object" || rule === null || Array.isArray(rule)) {
      throw new HitError(`read ${where}: expected a mapping, got ${typeName(rule)}`);
    }
    const fields = rule as Record<string, unknown>;
    if (typeof fields.action !== "string" || !ACTIONS.includes(fields.action)) {
      throw new HitError(`read ${where}: unknown action ${JSON.stringify(fields.action)}`, {
        hint: `use one of ${ACTIONS.map((name) => `"${name}"`).join(", ")}`,
      });
    }
    const select = fields.select;
    const isPatternList = Array.isArray(select) && select.every((x) => typeof x === "string");
    if (select !== undefined && typeof select !== "string" && !isPatternList) {
      throw new HitError(`read ${where}: "select" must be a string or a list of strings`);
    }
    if (select === undefined && typeof fields.source !== "string") {
      throw new HitError(`read ${where}: needs "select" or "source"`);
    }
    for (const key of ["prefix", "target", "source"]) {
      if (fields[key] !== undefined && typeof fields[key] !== "string") {
        throw new HitError(`read ${where}: "${key}" must be a string`);
      }
    }
    for (const key of ["dirs", "overwrite"]) {
      if (fields[key] !== undefined && typeof fields[key] !== "boolean") {
        throw new HitError(`read ${where}: "${key}" must be true or false`);
      }
    }
    return fields as unknown as LinkRule;
  });
}

/**
 * The dry run: every action the rules ask for, against the file system as it is now.
 * @throws {HitError} on an unknown variable, a missing prefix or target, or a selected path
 * outside the prefix.
 */
export async function planLinks(rules: readonly LinkRule[], context: LinkContext): Promise<
  LinkAction[]
> {
  const plan: Plan = { actions: [], excluded: new Set(), madeDirs: new Set() };
  for (const [index, rule] of rules.entries()) {
    try {
      if (rule.select !== undefined) await planSelect(rule, context, plan);
      else planSource(rule, context, plan);
    } catch (error) {
      if (error instanceof HitError) error.addContext(`while planning link rule ${index + 1}`);
      throw error;
    }
  }
  return plan.actions;
}

interface Plan {
  actions: LinkAction[];
  excluded: Set<string>;
  madeDirs: Set<string>;
}

async function planSelect(rule: LinkRule, context: LinkContext, plan: Plan): Promise<void> {
  const patterns = typeof rule.select === "string" ? [rule.select] : rule.select ?? [];
  const selected = new Set<string>();
  for (const pattern of patterns) {
    const expanded = substituteTemplate(pattern, context.env);
    const paths = await antGlob(expanded, context.cwd, { dirs: rule.dirs ?? false });
    for (const path of paths) selected.add(path);
  }
  for (const path of plan.excluded) selected.delete(path);
  if (selected.size === 0) return;
  const paths = [...selected].sort(compareCodePoints);
  if (rule.action === "exclude") {
    for (const path of paths) plan.excluded.add(path);
    return;
  }
  if (rule.prefix === undefined) {
    throw new HitError(`plan links: a rule with "select" needs a "prefix"`);
  }
  const target = substituteTemplate(requireTarget(rule), context.env);
  let prefix = substituteTemplate(rule.prefix, context.env);
  if (prefix !== "" && !prefix.endsWith("/")) prefix += "/";
  for (const path of paths) {
    if (!path.startsWith(prefix)) {
      throw new HitError(`plan links: "${path}" does not start with the prefix "${prefix}"`);
    }
    queueActions(rule, { source: path, dest: joinPath(target, path.slice(prefix.length)) }, plan);
  }
}

function planSource(rule: LinkRule, context: LinkContext, plan: Plan): void {
  const source = substituteTemplate(rule.source ?? "", context.env);
  if (plan.excluded.has(source)) return;
  if (rule.action === "exclude") {
    plan.excluded.add(source);
    return;
  }
  const dest = substituteTemplate(requireTarget(rule), context.env);
  queueActions(rule, { source, dest }, plan);
}

function requireTarget(rule: LinkRule): string {
  if (rule.target === undefined) {
    throw new HitError(`plan links: a "${rule.action}" rule needs a "target"`);
  }
  return rule.target;
}

function queueActions(
  rule: LinkRule,
  paths: { source: string; dest: string },
  plan: Plan,
): void {
  const kind = rule.action === "symlink" ? "absolute_symlink" : rule.action;
  if (kind === "exclude") return;
  const parent = splitHead(paths.dest);
  if (parent !== "" && !plan.madeDirs.has(parent)) {
    plan.actions.push({ kind: "mkdir", path: parent });
    plan.madeDirs.add(parent);
  }
  if (rule.overwrite) plan.actions.push({ kind: "unlink", path: paths.dest });
  plan.actions.push({ kind, source: paths.source, dest: paths.dest });
}

/**
 * Runs planned actions in order. Symlinks that fail where something already exists are
 * skipped (the first rule to claim a path wins); everything else that fails is an error.
 * @throws {HitError} naming the action that failed.
 */
export async function executeLinks(
  actions: readonly LinkAction[],
  context: LinkContext,
): Promise<void> {
  const at = (path: string) => resolve(context.cwd, path);
  for (const action of actions) {
    try {
      switch (action.kind) {
        case "mkdir":
          await makeDirectories(at(action.path));
          break;
        case "unlink":
          await unlinkIfPresent(at(action.path));
          break;
        case "relative_symlink":
          await symlinkUnlessPresent(
            relativePath(dirname(at(action.dest)), at(action.source)),
            at(action.dest),
          );
          break;
        case "absolute_symlink":
          await symlinkUnlessPresent(at(action.source), at(action.dest));
          break;
        case "copy":
          await copyUnlessEqual(at(action.source), at(action.dest));
          break;
        case "launcher":
          await makeLauncher(at(action.source), at(action.dest), context.env.LAUNCHER);
          break;
      }
    } catch (error) {
      throw describeFailure(action, error);
    }
  }
}

function describeFailure(action: LinkAction, error: unknown): HitError {
  const what = "path" in action
    ? `${action.kind} "${action.path}"`
    : `${action.kind} "${action.source}" to "${action.dest}"`;
  if (error instanceof HitError) return error.addContext(`while running ${what}`);
  const detail = error instanceof Error ? error.message : String(error);
  return new HitError(`create links: ${what} failed: ${detail}`, { cause: error });
}

// Python's os.path.join for two parts: an absolute second part replaces the first.
function joinPath(head: string, tail: string): string {
  if (tail.startsWith("/") || head === "") return tail;
  return head.endsWith("/") ? head + tail : `${head}/${tail}`;
}

// Python's os.path.split()[0]: the part before the last `/`, trailing slashes dropped unless
// it is all slashes.
function splitHead(path: string): string {
  const head = path.slice(0, path.lastIndexOf("/") + 1);
  return /^\/+$/.test(head) ? head : head.replace(/\/+$/, "");
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return `a ${typeof value}`;
}
