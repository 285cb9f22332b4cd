/**
 * The link rules of `create-links` (HASHDIST.md §7.1, §7.3): a dry run turns rules into actions
 * against the file system as it is, then the actions run in order. Touches only the paths the
 * rules name; `$LAUNCHER` comes from the environment given.
 */
import { Buffer } from "node:buffer";
import { basename, dirname, posix, resolve } from "node:path";
import { HitError } from "../errors.ts";
import { antGlob } from "./ant_glob.ts";

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
  const parent = splitHead(paths.dest);
  if (parent !== "" && !plan.madeDirs.has(parent)) {
    plan.actions.push({ kind: "mkdir", path: parent });
    plan.madeDirs.add(parent);
  }
  if (rule.overwrite) plan.actions.push({ kind: "unlink", path: paths.dest });
  const kind = rule.action === "symlink" ? "absolute_symlink" : rule.action;
  if (kind === "exclude") return;
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

async function makeDirectories(path: string): Promise<void> {
  try {
    await Deno.mkdir(path, { recursive: true });
  } catch (error) {
    // An existing directory, or a symlink to one, is fine.
    if (!(await statOrNull(path))?.isDirectory) throw error;
  }
}

async function unlinkIfPresent(path: string): Promise<void> {
  const info = await lstatOrNull(path);
  if (info === null) return;
  if (info.isDirectory) throw new Error(`"${path}" is a directory`);
  await Deno.remove(path);
}

async function symlinkUnlessPresent(text: string, dest: string): Promise<void> {
  try {
    await Deno.symlink(text, dest);
  } catch (error) {
    // Existing means existing through links: a dangling symlink at dest stays an error.
    if ((await statOrNull(dest)) === null) throw error;
  }
}

async function copyUnlessEqual(source: string, dest: string): Promise<void> {
  try {
    if ((await statOrNull(source))?.isDirectory) {
      await copyTree(source, dest);
    } else {
      const into = (await statOrNull(dest))?.isDirectory ? `${dest}/${basename(source)}` : dest;
      await copyFileWithMode(source, into);
    }
  } catch (error) {
    if (!(await sameContents(source, dest))) throw error;
  }
}

async function copyTree(source: string, dest: string): Promise<void> {
  await Deno.mkdir(dest);
  const entries: string[] = [];
  for await (const entry of Deno.readDir(source)) entries.push(entry.name);
  for (const name of entries.sort(compareCodePoints)) {
    const from = `${source}/${name}`;
    const to = `${dest}/${name}`;
    if ((await Deno.stat(from)).isDirectory) await copyTree(from, to);
    else await copyFileWithMode(from, to);
  }
  await Deno.chmod(dest, (await Deno.stat(source)).mode! & 0o7777);
}

async function copyFileWithMode(source: string, dest: string): Promise<void> {
  const [from, to] = await Promise.all([Deno.stat(source), statOrNull(dest)]);
  // Copying a file onto itself (through a link) would truncate it: shutil.copy refuses too.
  if (to !== null && to.dev === from.dev && to.ino === from.ino) {
    throw new Error(`"${dest}" is the same file as "${source}"`);
  }
  await Deno.copyFile(source, dest);
  await Deno.chmod(dest, (await Deno.stat(source)).mode! & 0o7777);
}

async function sameContents(a: string, b: string): Promise<boolean> {
  try {
    const [left, right] = await Promise.all([Deno.readFile(a), Deno.readFile(b)]);
    return Buffer.from(left).equals(right);
  } catch {
    return false;
  }
}

// A symlink source is copied as a link with the same text; a binary (executable, no `#!`)
// goes through a copy of the launcher program; anything else gets a relative symlink.
async function makeLauncher(source: string, dest: string, launcher?: string): Promise<void> {
  const destDir = dirname(dest);
  const info = await Deno.lstat(source);
  if (info.isSymlink) {
    await Deno.symlink(await Deno.readLink(source), dest);
    return;
  }
  if ((info.mode! & 0o111) !== 0 && !(await startsWithShebang(source))) {
    if (launcher === undefined || (await statOrNull(launcher)) === null) {
      throw new HitError(
        launcher === undefined
          ? `create launcher for "${source}": LAUNCHER is not set`
          : `create launcher for "${source}": the launcher program "${launcher}" does not exist`,
        { hint: "add the launcher package as a build dependency; it sets LAUNCHER" },
      );
    }
    const copy = `${destDir}/launcher`;
    if ((await statOrNull(copy)) === null) await copyFileWithMode(launcher, copy);
    await Deno.writeTextFile(`${dest}.link`, relativePath(destDir, source));
    await Deno.symlink("launcher", dest);
    return;
  }
  await Deno.symlink(relativePath(destDir, source), dest);
}

async function startsWithShebang(path: string): Promise<boolean> {
  using file = await Deno.open(path);
  const head = new Uint8Array(2);
  const read = await file.read(head);
  return read === 2 && head[0] === 0x23 && head[1] === 0x21;
}

/**
 * Substitutes `$NAME` and `${NAME}` from `env` as Python's `string.Template` does (HASHDIST.md
 * §5.5, Template rules): `$$` is a literal `$`, backslashes are not special.
 * @throws {HitError} on an unknown variable or a `$` that starts no name.
 */
export function substituteTemplate(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(
    /\$(?:(\$)|([_A-Za-z][_A-Za-z0-9]*)|\{([_A-Za-z][_A-Za-z0-9]*)\}|)/g,
    (
      _match: string,
      dollar: string | undefined,
      name: string | undefined,
      braced: string | undefined,
      offset: number,
    ) => {
      if (dollar !== undefined) return "$";
      const key = name ?? braced;
      if (key === undefined) {
        throw new HitError(
          `substitute "${text}": "$" at position ${offset + 1} starts no variable name`,
          { hint: `write "$$" for a literal "$"` },
        );
      }
      if (!Object.hasOwn(env, key)) {
        throw new HitError(`substitute "${text}": no environment variable "${key}"`);
      }
      return env[key];
    },
  );
}

/** The relative path from directory `from` to `to`, both absolute, computed lexically. */
export function relativePath(from: string, to: string): string {
  return posix.relative(from, to) || ".";
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

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch {
    return null;
  }
}

async function lstatOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch {
    return null;
  }
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return `a ${typeof value}`;
}
