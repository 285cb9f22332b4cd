/**
 * `hit develop` (HASHDIST.md §6.6): the profile job run into a folder of the user's instead
 * of the store, with the link kind the user chose (copies by default, made writable) and no
 * write protection, so that `pip install` or `make install` into it works and never reaches
 * the store. Package artifacts stay read-only.
 */
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { artifactDir, formatStoreJson, makeArtifactJson } from "../core/build_store.ts";
import { runJob } from "../core/run_job.ts";
import { artifactId } from "../spec/artifact_id.ts";
import { profileBuildSpec } from "../spec/build_spec.ts";
import type { LinkAction } from "../spec/profile_links.ts";
import type { ResolvedProfile } from "../spec/resolve.ts";
import type { Value, ValueMap } from "../spec/values.ts";
import { type BuildContext, configDocument, makeRunner } from "./build_artifact.ts";
import { giveBack, giveTree, hitUser, setupForBuild } from "./build_user.ts";

/**
 * Link rules of a package for `link` (§3.7): its `link` rules use that action, and
 * `launcher` rules are dropped when copying.
 */
export function developLinkRules(rules: ValueMap[], link: LinkAction): ValueMap[] {
  return rules.flatMap((rule) => {
    if (rule.action === "relative_symlink") return [{ ...rule, action: link }];
    if (rule.action === "launcher" && link === "copy") return [];
    return [rule];
  });
}

/** The build spec of a development profile: the profile's, without `--write-protect`. */
export function developBuildSpec(resolved: ResolvedProfile, link: LinkAction): ValueMap {
  const build = resolved.profileBuildSpec.build as ValueMap;
  const order = (build.import as ValueMap[]).map((entry) => String(entry.id));
  const byId = new Map([...resolved.packages.values()].map((pkg) => [pkg.artifactId, pkg]));
  const members = order.map((id) => {
    const pkg = byId.get(id)!;
    return { ...pkg, linkRules: developLinkRules(pkg.linkRules, link) };
  });
  return profileBuildSpec(members, { writeProtect: false });
}

/**
 * Runs the development profile of `resolved` into `target` (an empty folder): its links,
 * `build.json`, the log, `artifact.json` and `id`, as the original leaves them. Every package
 * must be built already.
 * @throws {HitError} when the job fails.
 */
export async function developProfile(
  resolved: ResolvedProfile,
  request: { target: string; link: LinkAction },
  context: BuildContext,
): Promise<void> {
  const { target, link } = request;
  const store = context.config.buildStore;
  const spec = developBuildSpec(resolved, link);
  const id = artifactId(spec);
  const artifactJson = await makeArtifactJson(store, id, spec, context.sandbox);
  await Deno.mkdir(join(target, "job"), { recursive: true });
  await Deno.mkdir(join(target, "_hashdist"), { recursive: true });
  await Deno.writeTextFile(join(target, "build.json"), formatStoreJson(spec) + "\n", {
    mode: 0o444,
  });
  using log = await Deno.open(join(target, "_hashdist", "build.log"), {
    read: true,
    create: true,
    append: true,
  });
  const deps = artifactJson.dependencies.map((dep) => artifactDir(store, dep));
  const { setup } = await setupForBuild(
    context.setup,
    { given: [target], shown: [...deps, ...context.self.readOnly] },
    (message) => context.onWarning?.(`develop "${target}": ${message}`),
  );
  const user = setup?.buildUser;
  if (user !== undefined) {
    await giveTree(target, user);
    await giveTree(join(target, "_hashdist", "build.log"), hitUser());
  }
  const runner = makeRunner({ ...context, setup }, {
    writable: [{ from: target, to: target }],
    readOnly: deps,
  }, log);
  try {
    await runJob(spec.build as ValueMap, {
      buildDir: target,
      artifactDir: target,
      jobDir: join(target, "job"),
      imports: ((spec.build as ValueMap).import as ValueMap[]).map((entry) => ({
        id: String(entry.id),
        ref: entry.ref === null ? null : String(entry.ref),
        dir: artifactDir(store, String(entry.id)),
      })),
      configJson: JSON.stringify(configDocument(context.config)),
      run: runner,
    });
  } finally {
    if (user !== undefined) await giveBack(target);
  }
  // Copies keep the store's modes; `build-postprocess --write-protect` made those read-only.
  await makeOwnerWritable(target, ["build.json", "_hashdist", "job"]);
  const logBytes = await Deno.readFile(join(target, "_hashdist", "build.log"));
  await Deno.writeFile(join(target, "build.log.gz"), gzipSync(logBytes));
  await Deno.writeTextFile(
    join(target, "artifact.json"),
    formatStoreJson(artifactJson as unknown as Value),
  );
  await Deno.writeTextFile(join(target, "id"), id + "\n");
}

/** Adds the owner's write permission to every file and folder below `dir` but `skip`. */
async function makeOwnerWritable(dir: string, skip: string[] = []): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isSymlink || skip.includes(entry.name)) continue;
    const path = join(dir, entry.name);
    const mode = (await Deno.lstat(path)).mode ?? 0o644;
    if ((mode & 0o200) === 0) await Deno.chmod(path, mode | 0o200);
    if (entry.isDirectory) await makeOwnerWritable(path);
  }
}
