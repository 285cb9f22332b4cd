import assert from "node:assert/strict";
import {
  dependencyGraph,
  dependencyTree,
  type PackageDependencies,
  pulledInBy,
  renderDependencyPath,
  renderDependencyTree,
  renderDot,
  renderMermaid,
} from "../../src/spec/dependency_graph.ts";

function deps(buildDeps: string[], runDeps: string[] = []): PackageDependencies {
  return { buildDeps, runDeps };
}

// dolfin -> petsc -> hdf5 -> zlib; dolfin ~> h5py; h5py -> hdf5; python -> openssl -> pkg-config
// ~> python (the corpus's run-dependency cycle).
const PACKAGES = new Map<string, PackageDependencies>([
  ["dolfin", deps(["petsc", "python"], ["h5py", "python"])],
  ["petsc", deps(["hdf5"])],
  ["h5py", deps(["hdf5", "python"], ["python"])],
  ["hdf5", deps(["zlib"])],
  ["zlib", deps([])],
  ["python", deps(["openssl"])],
  ["openssl", deps(["pkg-config"])],
  ["pkg-config", deps([], ["python"])],
]);

const GRAPH = dependencyGraph(["petsc", "dolfin", "zlib"], PACKAGES);

Deno.test("dependencyGraph() merges build and run lists into sorted edges with their kind", () => {
  assert.deepEqual(GRAPH.roots, ["dolfin", "petsc", "zlib"]);
  assert.deepEqual([...GRAPH.edges.keys()], [
    "dolfin",
    "h5py",
    "hdf5",
    "openssl",
    "petsc",
    "pkg-config",
    "python",
    "zlib",
  ]);
  assert.deepEqual(GRAPH.edges.get("dolfin"), [
    { name: "h5py", kind: "run" },
    { name: "petsc", kind: "build" },
    { name: "python", kind: "both" },
  ]);
});

Deno.test("dependencyGraph() gives a node to a dependency missing from the packages", () => {
  const graph = dependencyGraph(["a"], new Map([["a", deps(["b"])]]));
  assert.deepEqual(graph.edges.get("b"), []);
});

Deno.test("dependencyTree() expands each subtree once and marks repeats and cycles", () => {
  const tree = dependencyTree(GRAPH, "dolfin");
  assert.deepEqual(tree, {
    name: "dolfin",
    dependencies: [
      {
        name: "h5py",
        edge: "run",
        dependencies: [
          {
            name: "hdf5",
            edge: "build",
            dependencies: [{ name: "zlib", edge: "build", dependencies: [] }],
          },
          {
            name: "python",
            edge: "both",
            dependencies: [{
              name: "openssl",
              edge: "build",
              dependencies: [{
                name: "pkg-config",
                edge: "build",
                dependencies: [{ name: "python", edge: "run", cycle: true }],
              }],
            }],
          },
        ],
      },
      {
        name: "petsc",
        edge: "build",
        dependencies: [{ name: "hdf5", edge: "build", repeated: true }],
      },
      { name: "python", edge: "both", repeated: true },
    ],
  });
});

Deno.test("dependencyTree() repeats a leaf in full: there is nothing to elide", () => {
  const graph = dependencyGraph(["a"], new Map([["a", deps(["b", "c"])], ["b", deps(["c"])]]));
  const tree = dependencyTree(graph, "a");
  assert.deepEqual(tree.dependencies?.[1], { name: "c", edge: "build", dependencies: [] });
});

Deno.test("renderDependencyTree() draws the tree with run-only, see-above and cycle notes", () => {
  assert.equal(
    renderDependencyTree(dependencyTree(GRAPH, "dolfin")),
    [
      "dolfin",
      "├── h5py (run)",
      "│   ├── hdf5",
      "│   │   └── zlib",
      "│   └── python",
      "│       └── openssl",
      "│           └── pkg-config",
      "│               └── python (run, cycle)",
      "├── petsc",
      "│   └── hdf5 (see above)",
      "└── python (see above)",
      "",
    ].join("\n"),
  );
  assert.equal(renderDependencyTree(dependencyTree(GRAPH, "zlib")), "zlib\n");
});

Deno.test("pulledInBy() gives each root's shortest paths, a root itself as a one-package path", () => {
  assert.deepEqual(pulledInBy(GRAPH, "hdf5"), [
    {
      root: "dolfin",
      total: 2,
      paths: [
        { packages: ["dolfin", "h5py", "hdf5"], edges: ["run", "build"] },
        { packages: ["dolfin", "petsc", "hdf5"], edges: ["build", "build"] },
      ],
    },
    { root: "petsc", total: 1, paths: [{ packages: ["petsc", "hdf5"], edges: ["build"] }] },
  ]);
  assert.deepEqual(pulledInBy(GRAPH, "zlib").map((entry) => entry.root), [
    "dolfin",
    "petsc",
    "zlib",
  ]);
  assert.deepEqual(pulledInBy(GRAPH, "zlib")[2].paths, [{ packages: ["zlib"], edges: [] }]);
});

Deno.test("pulledInBy() keeps only the shortest paths and at most the limit, counting all", () => {
  // a -> b1..b3 -> c -> d, and a longer a -> x -> y -> c -> d.
  const packages = new Map<string, PackageDependencies>([
    ["a", deps(["b1", "b2", "b3", "x"])],
    ["b1", deps(["c"])],
    ["b2", deps(["c"])],
    ["b3", deps([], ["c"])],
    ["x", deps(["y"])],
    ["y", deps(["c"])],
    ["c", deps(["d"])],
  ]);
  const graph = dependencyGraph(["a"], packages);
  const [entry] = pulledInBy(graph, "d", { limit: 2 });
  assert.equal(entry.total, 3);
  assert.deepEqual(entry.paths.map((path) => path.packages.join(" ")), ["a b1 c d", "a b2 c d"]);
  assert.equal(pulledInBy(graph, "d", { limit: Infinity })[0].paths.length, 3);
  assert.deepEqual(pulledInBy(graph, "nothing"), []);
});

Deno.test("renderDependencyPath() writes build edges as -> and run-only edges as ~>", () => {
  assert.equal(
    renderDependencyPath({ packages: ["dolfin", "h5py", "hdf5"], edges: ["run", "build"] }),
    "dolfin ~> h5py -> hdf5",
  );
  assert.equal(renderDependencyPath({ packages: ["a", "b"], edges: ["both"] }), "a -> b");
  assert.equal(renderDependencyPath({ packages: ["a"], edges: [] }), "a");
});

Deno.test("renderDot() prints a digraph: roots bold, build edges solid, run-only dashed", () => {
  const graph = dependencyGraph(
    ["app"],
    new Map([["app", deps(["lib", "pkg-config"], ["lib", "tool"])], ["lib", deps([])]]),
  );
  assert.equal(
    renderDot(graph, { title: 'my "stack"' }),
    [
      'digraph "my \\"stack\\"" {',
      "  // solid: build dependency; dashed: run-only dependency; bold: listed in the profile",
      "  node [shape=box];",
      '  "app" [style=bold];',
      '  "lib";',
      '  "pkg-config";',
      '  "tool";',
      '  "app" -> "lib";',
      '  "app" -> "pkg-config";',
      '  "app" -> "tool" [style=dashed];',
      "}",
      "",
    ].join("\n"),
  );
});

Deno.test("renderMermaid() prints graph TD with safe ids, dotted run-only edges and root class", () => {
  const graph = dependencyGraph(
    ["app"],
    new Map([["app", deps(["pkg-config"], ["end"])]]),
  );
  assert.equal(
    renderMermaid(graph),
    [
      "graph TD",
      "  %% solid: build dependency; dotted: run-only dependency; thick: listed in the profile",
      '  n0["app"]',
      '  n1["end"]',
      '  n2["pkg-config"]',
      "  n0 -.-> n1",
      "  n0 --> n2",
      "  classDef root stroke-width:3px",
      "  class n0 root",
      "",
    ].join("\n"),
  );
});
