/**
 * The Python package index for `hit skeleton-pypi`: reading a release from the PyPI JSON API
 * (`INDEX/NAME/json`, `INDEX/NAME/VERSION/json`), choosing its sdist, and mapping its declared
 * requirements (PEP 508) to package names. Only `fetchRelease` touches the network, through
 * the `fetch` it is given; everything else is pure.
 */
import { HitError } from "../errors.ts";
import { archiveKey, type ArchiveType } from "./source_key.ts";
import { b32 } from "../spec/hash_document.ts";
import { compareCodePoints } from "../spec/values.ts";

/** The index `hit skeleton-pypi` asks when nothing else is configured. */
export const DEFAULT_PYPI_INDEX = "https://pypi.org/pypi";

/** One file of a release, as the JSON API lists it. */
export interface PypiFile {
  filename: string;
  url: string;
  /** `sdist`, `bdist_wheel`, … */
  packagetype: string;
  /** Hex SHA-256 from `digests.sha256`, when given. */
  sha256?: string;
  yanked: boolean;
}

/** One release of a project: what `skeleton-pypi` needs of the JSON API's answer. */
export interface PypiRelease {
  /** The project name as PyPI spells it. */
  name: string;
  version: string;
  summary: string;
  /** `info.requires_dist`: PEP 508 requirement strings. */
  requiresDist: string[];
  files: PypiFile[];
  /** Why the release is yanked, when it is ("" for no reason given). */
  yanked?: string;
}

/** `NAME` or `NAME==VERSION` from the command line. */
export interface ProjectRequest {
  name: string;
  version?: string;
}

const PROJECT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/**
 * Parses `NAME` or `NAME==VERSION`.
 * @throws {HitError} (exit 2) for anything else.
 */
export function parseProjectRequest(text: string): ProjectRequest {
  const [name, version, ...rest] = text.split("==");
  if (!PROJECT_NAME.test(name) || rest.length > 0 || version === "" || /\s/.test(version ?? "")) {
    throw new HitError(`skeleton-pypi: bad project "${text}": expected NAME or NAME==VERSION`, {
      hint: `for example "six" or "six==1.16.0"`,
      exitCode: 2,
    });
  }
  return version === undefined ? { name } : { name, version };
}

/** The JSON API URL of a project's latest release, or of one version. */
export function releaseUrl(index: string, request: ProjectRequest): string {
  const base = index.replace(/\/+$/, "");
  const name = encodeURIComponent(request.name);
  return request.version === undefined
    ? `${base}/${name}/json`
    : `${base}/${name}/${encodeURIComponent(request.version)}/json`;
}

/** PEP 503 normalised name: lower case, runs of `-`, `_` and `.` as one `-`. */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/**
 * Reads the JSON API's answer for one release: `info` and the files in `urls` (or, for old
 * answers without them, in `releases[version]`).
 * @throws {HitError} naming `source` when the document does not have that shape.
 */
export function parseRelease(document: unknown, source: string): PypiRelease {
  const fail = (what: string): never => {
    throw new HitError(`read PyPI metadata "${source}": ${what}`, {
      hint: "is the index URL the base of a PyPI JSON API, such as https://pypi.org/pypi?",
    });
  };
  if (!isRecord(document) || !isRecord(document.info)) return fail(`no "info" object`);
  const info = document.info;
  if (typeof info.name !== "string" || typeof info.version !== "string") {
    return fail(`"info" lacks "name" or "version"`);
  }
  const requires = info.requires_dist ?? [];
  if (!Array.isArray(requires) || !requires.every((item) => typeof item === "string")) {
    return fail(`"info.requires_dist" is not a list of strings`);
  }
  let entries: unknown = document.urls;
  if (!Array.isArray(entries) && isRecord(document.releases)) {
    entries = document.releases[info.version];
  }
  if (!Array.isArray(entries)) return fail(`no "urls" list of files`);
  const files = entries.map((entry, i): PypiFile => {
    if (
      !isRecord(entry) || typeof entry.filename !== "string" || typeof entry.url !== "string" ||
      typeof entry.packagetype !== "string"
    ) {
      return fail(`file ${i + 1} lacks "filename", "url" or "packagetype"`);
    }
    const sha256 = isRecord(entry.digests) && typeof entry.digests.sha256 === "string"
      ? entry.digests.sha256.toLowerCase()
      : undefined;
    return {
      filename: entry.filename,
      url: entry.url,
      packagetype: entry.packagetype,
      ...(sha256 !== undefined && /^[0-9a-f]{64}$/.test(sha256) ? { sha256 } : {}),
      yanked: entry.yanked === true,
    };
  });
  return {
    name: info.name,
    version: info.version,
    summary: typeof info.summary === "string" ? info.summary : "",
    requiresDist: requires as string[],
    files,
    ...(info.yanked === true
      ? { yanked: typeof info.yanked_reason === "string" ? info.yanked_reason : "" }
      : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Sdist archive types in order of preference, with their file name endings. */
const SDIST_TYPES: readonly [ArchiveType, readonly string[]][] = [
  ["tar.gz", [".tar.gz", ".tgz"]],
  ["zip", [".zip"]],
  ["tar.bz2", [".tar.bz2", ".tbz2", ".tb2"]],
  ["tar.xz", [".tar.xz"]],
];

/** The sdist `chooseSdist` picked, and what it was picked from. */
export interface SdistChoice {
  file: PypiFile;
  type: ArchiveType;
  /** Every sdist of the release, in the order listed. */
  sdists: PypiFile[];
}

/**
 * The sdist to package: not yanked if any is not, then the first archive type of `.tar.gz`,
 * `.zip`, `.tar.bz2`, `.tar.xz` present, then the last listed of that type (the original took
 * the last sdist listed, whatever its type). Undefined when there is no usable sdist.
 */
export function chooseSdist(files: readonly PypiFile[]): SdistChoice | undefined {
  const sdists = files.filter((file) => file.packagetype === "sdist");
  const live = sdists.filter((file) => !file.yanked);
  const pool = live.length > 0 ? live : sdists;
  for (const [type, endings] of SDIST_TYPES) {
    const matching = pool.filter((file) =>
      endings.some((ending) => file.filename.toLowerCase().endsWith(ending))
    );
    if (matching.length > 0) return { file: matching[matching.length - 1], type, sdists };
  }
  return undefined;
}

/** The HashDist source key of an archive whose SHA-256 is `sha256` (hex). */
export function keyFromSha256(type: ArchiveType, sha256: string): string {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = parseInt(sha256.slice(2 * i, 2 * i + 2), 16);
  return archiveKey(type, b32(bytes));
}

/** One PEP 508 requirement, as far as `skeleton-pypi` needs it. */
export interface Requirement {
  /** The string as PyPI gave it. */
  text: string;
  name: string;
  /** The environment marker after `;`, if any. */
  marker?: string;
}

const REQUIREMENT_NAME = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/;

/** Parses a requirement string; undefined when it does not start with a project name. */
export function parseRequirement(text: string): Requirement | undefined {
  const match = REQUIREMENT_NAME.exec(text);
  if (match === null) return undefined;
  const at = text.indexOf("@");
  let semicolon = text.indexOf(";");
  if (at >= 0 && (semicolon < 0 || at < semicolon)) {
    // A URL may hold ";": after `name @ URL` only " ;" starts the marker (PEP 508).
    const space = /\s;/.exec(text.slice(at));
    semicolon = space === null ? -1 : at + space.index + 1;
  }
  const marker = semicolon < 0 ? "" : text.slice(semicolon + 1).trim();
  return marker === "" ? { text, name: match[1] } : { text, name: match[1], marker };
}

/** Requirements sorted by what `skeleton-pypi` does with them. */
export interface MappedRequirements {
  /** Package names for requirements without a marker that match a known package. */
  packages: string[];
  /** Requirements without a marker and without a matching package. */
  unknown: Requirement[];
  /** Requirements with a marker other than `extra`: for some environments only. */
  conditional: Requirement[];
  /** Requirements of optional extras (`extra == "..."` markers): left out. */
  extras: Requirement[];
  /** Strings that are not requirements at all. */
  unparsed: string[];
}

/**
 * Sorts `requiresDist` into package names found among `known` (matched by PEP 503 normalised
 * name; the first of equal names in code point order) and the rest.
 */
export function mapRequirements(
  requiresDist: readonly string[],
  known: Iterable<string>,
): MappedRequirements {
  const byNormalised = new Map<string, string>();
  for (const name of [...known].sort(compareCodePoints)) {
    const key = normaliseName(name);
    if (!byNormalised.has(key)) byNormalised.set(key, name);
  }
  const packages = new Set<string>();
  const result: MappedRequirements = {
    packages: [],
    unknown: [],
    conditional: [],
    extras: [],
    unparsed: [],
  };
  for (const text of requiresDist) {
    const requirement = parseRequirement(text);
    if (requirement === undefined) {
      result.unparsed.push(text);
    } else if (requirement.marker !== undefined && /\bextra\s*==/.test(requirement.marker)) {
      result.extras.push(requirement);
    } else if (requirement.marker !== undefined) {
      result.conditional.push(requirement);
    } else {
      const found = byNormalised.get(normaliseName(requirement.name));
      if (found === undefined) result.unknown.push(requirement);
      else packages.add(found);
    }
  }
  result.packages = [...packages].sort(compareCodePoints);
  return result;
}

/** What `fetchRelease` found, and where. */
export interface FetchedRelease {
  release: PypiRelease;
  /** The metadata URL that answered. */
  url: string;
}

/** Options of `fetchRelease`. */
export interface FetchReleaseOptions {
  /** Index base URLs to try in order (mirrors first). */
  indexes: readonly string[];
  /** The `fetch` to use; default the global one. */
  fetch?: typeof fetch;
  /** Milliseconds to wait for one index; default 30 000. */
  timeoutMs?: number;
}

/**
 * Reads a release's metadata from the first index that has it.
 * @throws {HitError} listing every index tried when none answered with the release.
 */
export async function fetchRelease(
  request: ProjectRequest,
  options: FetchReleaseOptions,
): Promise<FetchedRelease> {
  const fetchFn = options.fetch ?? fetch;
  const attempts: string[] = [];
  let notFound = 0;
  for (const index of options.indexes) {
    const url = releaseUrl(index, request);
    let response: Response;
    try {
      response = await fetchFn(url, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      attempts.push(`tried "${url}": ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      if (response.status === 404) notFound++;
      attempts.push(`tried "${url}": HTTP ${response.status} ${response.statusText}`.trimEnd());
      continue;
    }
    let document: unknown;
    try {
      document = JSON.parse(await response.text());
    } catch {
      attempts.push(`tried "${url}": the answer is not JSON`);
      continue;
    }
    return { release: parseRelease(document, url), url };
  }
  const what = request.version === undefined
    ? `"${request.name}"`
    : `"${request.name}" version "${request.version}"`;
  const hint = notFound === options.indexes.length
    ? (request.version === undefined
      ? "check the project name on the index"
      : `check the version; "hit skeleton-pypi ${request.name}" takes the latest`)
    : "check the network, or give another index with --index or pypi_mirror in the config";
  throw new HitError(`look up ${what} on the package index: no index answered`, {
    context: attempts,
    hint,
  });
}
