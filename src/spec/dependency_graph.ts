/**
 * The dependency graph of a resolved profile: each package's direct build and run
 * dependencies, and what `hit show deps`, `hit why` and `hit graph` make of it (a tree, the
 * shortest paths from the profile's packages to one package, DOT and Mermaid text). Pure: data
 * in, data or text out.
 */
import { compareCodePoints } from "./values.ts";

/** How a package needs a dependency: to build, only to run, or both. */
export type EdgeKind = "build" | "run" | "both";

/** One direct dependency of a package. */
export interface DependencyEdge {
  name: string;
  kind: EdgeKind;
}

/** Packages and their direct dependencies. */
export interface DependencyGraph {
  /** The packages listed in the profile, sorted. */
  roots: string[];
  /** Every package of the closure with its direct dependencies, both sorted by name. */
  edges: Map<string, DependencyEdge[]>;
}

/** What the graph needs of a package: its merged, sorted dependency lists. */
export interface PackageDependencies {
  buildDeps: readonly string[];
  runDeps: readonly string[];
}

/** The graph of `packages` (a profile's closure) with `roots` as the listed packages. */
export function dependencyGraph(
  roots: Iterable<string>,
  packages: ReadonlyMap<string, PackageDependencies>,
): DependencyGraph {
  const byName = new Map<string, DependencyEdge[]>();
  for (const [name, { buildDeps, runDeps }] of packages) {
    const names = [...new Set([...buildDeps, ...runDeps])].sort(compareCodePoints);
    byName.set(
      name,
      names.map((dep) => {
        const build = buildDeps.includes(dep);
        const run = runDeps.includes(dep);
        return { name: dep, kind: build && run ? "both" : build ? "build" : "run" };
      }),
    );
  }
  const rootList = [...new Set(roots)].sort(compareCodePoints);
  // Every name gets a node, even one missing from `packages`, so renderers need no checks.
  for (const name of [...rootList, ...[...byName.values()].flat().map((edge) => edge.name)]) {
    if (!byName.has(name)) byName.set(name, []);
  }
  const edges = new Map(
    [...byName.keys()].sort(compareCodePoints).map((name) => [name, byName.get(name)!]),
  );
  return { roots: rootList, edges };
}

/**
 * The graph as JSON (`hit graph --json`): `roots`, and `packages`, each `name`, `artifact_id`
 * (from `ids`) and `dependencies` (`name`, `kind`).
 */
export function renderGraphJson(graph: DependencyGraph, ids: ReadonlyMap<string, string>): string {
  const packages = [...graph.edges].map(([name, dependencies]) => ({
    name,
    artifact_id: ids.get(name) ?? null,
    dependencies,
  }));
  return JSON.stringify({ roots: graph.roots, packages }, null, 2) + "\n";
}

/** A package's dependency tree; each subtree is expanded once, at its first appearance. */
export interface DependencyTree {
  name: string;
  /** How the parent needs this package; absent at the top. */
  edge?: EdgeKind;
  /** Direct dependencies; absent when `repeated` or `cycle`. */
  dependencies?: DependencyTree[];
  /** Its dependencies are shown earlier in the tree. */
  repeated?: true;
  /** It is its own ancestor here (possible through run dependencies). */
  cycle?: true;
}

/** The dependency tree of `name`, depth first in name order. */
export function dependencyTree(graph: DependencyGraph, name: string): DependencyTree {
  const expanded = new Set<string>();
  const path: string[] = [];
  const visit = (node: string, edge?: EdgeKind): DependencyTree => {
    const tree: DependencyTree = edge === undefined ? { name: node } : { name: node, edge };
    const deps = graph.edges.get(node) ?? [];
    if (path.includes(node)) return { ...tree, cycle: true };
    if (expanded.has(node) && deps.length > 0) return { ...tree, repeated: true };
    expanded.add(node);
    path.push(node);
    tree.dependencies = deps.map((dep) => visit(dep.name, dep.kind));
    path.pop();
    return tree;
  };
  return visit(name);
}

/**
 * The tree as indented text: run-only edges marked `(run)`, subtrees shown before
 * `(see above)`, cycles `(cycle)`.
 */
export function renderDependencyTree(tree: DependencyTree): string {
  const lines = [tree.name];
  const walk = (children: DependencyTree[], indent: string) => {
    children.forEach((child, i) => {
      const last = i === children.length - 1;
      const notes: string[] = [];
      if (child.edge === "run") notes.push("run");
      if (child.repeated) notes.push("see above");
      if (child.cycle) notes.push("cycle");
      const suffix = notes.length > 0 ? ` (${notes.join(", ")})` : "";
      lines.push(`${indent}${last ? "└── " : "├── "}${child.name}${suffix}`);
      walk(child.dependencies ?? [], indent + (last ? "    " : "│   "));
    });
  };
  walk(tree.dependencies ?? [], "");
  return lines.join("\n") + "\n";
}

/** A chain of packages, each a direct dependency of the one before. */
export interface DependencyPath {
  packages: string[];
  /** `edges[i]` is how `packages[i]` needs `packages[i + 1]`. */
  edges: EdgeKind[];
}

/** The shortest ways one listed package pulls in the package asked about. */
export interface PulledInBy {
  root: string;
  /** The shortest paths from `root`, in name order, at most the limit asked for. */
  paths: DependencyPath[];
  /** How many shortest paths there are in all. */
  total: number;
}

/**
 * For each root that needs `name` (directly, indirectly, or by being `name`), its shortest
 * dependency paths to `name`: at most `limit` of them (default 5), the first in name order.
 */
export function pulledInBy(
  graph: DependencyGraph,
  name: string,
  options: { limit?: number } = {},
): PulledInBy[] {
  const limit = options.limit ?? 5;
  const result: PulledInBy[] = [];
  for (const root of graph.roots) {
    const found = shortestPaths(graph, root, name, limit);
    if (found !== undefined) result.push({ root, ...found });
  }
  return result;
}

function shortestPaths(
  graph: DependencyGraph,
  from: string,
  to: string,
  limit: number,
): { paths: DependencyPath[]; total: number } | undefined {
  // Breadth first from `from`: distances, and the number of shortest paths to each package.
  const distance = new Map([[from, 0]]);
  const count = new Map([[from, 1]]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head];
    const next = distance.get(node)! + 1;
    for (const dep of graph.edges.get(node) ?? []) {
      const seen = distance.get(dep.name);
      if (seen === undefined) {
        distance.set(dep.name, next);
        count.set(dep.name, count.get(node)!);
        queue.push(dep.name);
      } else if (seen === next) {
        count.set(dep.name, count.get(dep.name)! + count.get(node)!);
      }
    }
  }
  if (!distance.has(to)) return undefined;
  // The packages on some shortest path, walking back from `to`.
  const onPath = new Set([to]);
  for (let d = distance.get(to)!; d > 0; d--) {
    for (const [node, nodeDistance] of distance) {
      if (nodeDistance !== d - 1) continue;
      const edges = graph.edges.get(node) ?? [];
      if (edges.some((edge) => onPath.has(edge.name) && distance.get(edge.name) === d)) {
        onPath.add(node);
      }
    }
  }
  const paths: DependencyPath[] = [];
  const walk = (node: string, path: DependencyPath) => {
    if (paths.length >= limit) return;
    if (node === to) {
      paths.push({ packages: [...path.packages], edges: [...path.edges] });
      return;
    }
    for (const edge of graph.edges.get(node) ?? []) {
      if (!onPath.has(edge.name) || distance.get(edge.name) !== distance.get(node)! + 1) continue;
      path.packages.push(edge.name);
      path.edges.push(edge.kind);
      walk(edge.name, path);
      path.packages.pop();
      path.edges.pop();
    }
  };
  walk(from, { packages: [from], edges: [] });
  return { paths, total: count.get(to)! };
}

/** A path as `dolfin -> petsc ~> hdf5`: `->` a build dependency, `~>` a run-only one. */
export function renderDependencyPath(path: DependencyPath): string {
  let text = path.packages[0];
  path.edges.forEach((edge, i) => {
    text += `${edge === "run" ? " ~> " : " -> "}${path.packages[i + 1]}`;
  });
  return text;
}

/** Options of `renderDot` and `renderMermaid`. */
export interface GraphTextOptions {
  /** The graph's name (DOT only); default `profile`. */
  title?: string;
}

/**
 * The graph in Graphviz DOT: one node per package (listed packages bold), build edges solid,
 * run-only edges dashed.
 */
export function renderDot(graph: DependencyGraph, options: GraphTextOptions = {}): string {
  const roots = new Set(graph.roots);
  const lines = [
    `digraph ${dotId(options.title ?? "profile")} {`,
    "  // solid: build dependency; dashed: run-only dependency; bold: listed in the profile",
    "  node [shape=box];",
  ];
  for (const name of graph.edges.keys()) {
    lines.push(`  ${dotId(name)}${roots.has(name) ? " [style=bold]" : ""};`);
  }
  for (const [name, edges] of graph.edges) {
    for (const edge of edges) {
      const style = edge.kind === "run" ? " [style=dashed]" : "";
      lines.push(`  ${dotId(name)} -> ${dotId(edge.name)}${style};`);
    }
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

function dotId(name: string): string {
  return `"${name.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/**
 * The graph as a Mermaid flowchart (`graph TD`): nodes `n0`, `n1`… labelled with package
 * names (names such as `pkg-config` or `end` are not valid Mermaid ids), build edges `-->`,
 * run-only edges `-.->`, listed packages in class `root`.
 */
export function renderMermaid(graph: DependencyGraph): string {
  const ids = new Map<string, string>();
  for (const name of graph.edges.keys()) ids.set(name, `n${ids.size}`);
  const id = (name: string) => ids.get(name)!;
  const lines = [
    "graph TD",
    "  %% solid: build dependency; dotted: run-only dependency; thick: listed in the profile",
  ];
  for (const name of graph.edges.keys()) lines.push(`  ${id(name)}["${mermaidText(name)}"]`);
  for (const [name, edges] of graph.edges) {
    for (const edge of edges) {
      lines.push(`  ${id(name)} ${edge.kind === "run" ? "-.->" : "-->"} ${id(edge.name)}`);
    }
  }
  const roots = graph.roots.map(id);
  if (roots.length > 0) {
    lines.push("  classDef root stroke-width:3px", `  class ${roots.join(",")} root`);
  }
  return lines.join("\n") + "\n";
}

function mermaidText(name: string): string {
  return name.replaceAll('"', "#quot;");
}
