import assert from "node:assert/strict";
import { bwrapArgs, findBwrap, prepareBwrap, probeBwrap } from "../../src/stages/sandbox_bwrap.ts";

const MOUNTS = {
  writable: [
    { from: "/s/tmp/pkg-abc", to: "/s/tmp/pkg-abc" },
    { from: "/s/bld/.staging/pkg-x", to: "/s/bld/pkg/abc" },
  ],
  readOnly: ["/s/bld/dep/def", "/opt/hit"],
};

/** The `[flag, ...operands]` groups of the mount options in `args`. */
function mountOps(args: string[]): string[][] {
  const arity: Record<string, number> = {
    "--ro-bind": 2,
    "--ro-bind-try": 2,
    "--bind": 2,
    "--symlink": 2,
    "--proc": 1,
    "--dev": 1,
    "--tmpfs": 1,
  };
  const ops: string[][] = [];
  for (let i = 0; i < args.length && args[i] !== "--"; i++) {
    const count = arity[args[i]];
    if (count === undefined) continue;
    ops.push(args.slice(i, i + 1 + count));
    i += count;
  }
  return ops;
}

Deno.test("bwrapArgs() binds dependencies read-only and only the two build folders writable", () => {
  const ops = mountOps(bwrapArgs(MOUNTS, "/s/tmp/pkg-abc", ["/bin/bash", "build.sh"]));
  const writable = ops.filter((op) => op[0] === "--bind").map((op) => op.slice(1));
  assert.deepEqual(writable, [
    ["/s/tmp/pkg-abc", "/s/tmp/pkg-abc"],
    ["/s/bld/.staging/pkg-x", "/s/bld/pkg/abc"],
  ]);
  for (const path of MOUNTS.readOnly) {
    assert.ok(
      ops.some((op) => op[0] === "--ro-bind" && op[1] === path && op[2] === path),
      `${path} is not bound read-only`,
    );
  }
});

Deno.test("bwrapArgs() mounts the store's folders after the /tmp tmpfs, which would hide them", () => {
  const ops = mountOps(bwrapArgs(MOUNTS, "/", ["true"]));
  const tmpfs = ops.findIndex((op) => op[0] === "--tmpfs" && op[1] === "/tmp");
  assert.ok(tmpfs >= 0);
  for (const path of [...MOUNTS.readOnly, ...MOUNTS.writable.map((w) => w.from)]) {
    const at = ops.findIndex((op) => op[1] === path);
    assert.ok(at > tmpfs, `${path} is mounted before the tmpfs on /tmp`);
  }
});

Deno.test("bwrapArgs() unshares everything, drops capabilities and never binds / or the resolver", () => {
  const args = bwrapArgs(MOUNTS, "/s/tmp/pkg-abc", ["/bin/bash", "build.sh"]);
  const flags = args.slice(0, args.indexOf("--"));
  for (const flag of ["--unshare-all", "--die-with-parent", "--new-session"]) {
    assert.ok(flags.includes(flag), flag);
  }
  assert.equal(flags[flags.indexOf("--cap-drop") + 1], "ALL");
  assert.ok(!flags.includes("--share-net"));
  const sources = mountOps(args).filter((op) => op[0].includes("bind")).map((op) => op[1]);
  assert.ok(!sources.includes("/"), "binds the host's root");
  for (const path of ["/etc/resolv.conf", "/etc/hosts", "/run", "/var", "/home", "/root"]) {
    assert.ok(!sources.includes(path), `binds ${path}`);
  }
  assert.deepEqual(args.slice(args.indexOf("--chdir")), [
    "--chdir",
    "/s/tmp/pkg-abc",
    "--",
    "/bin/bash",
    "build.sh",
  ]);
});

const bwrap = findBwrap();

Deno.test({
  name: "probeBwrap() runs true in the build sandbox, and says why a program cannot",
  ignore: bwrap === undefined,
  async fn() {
    assert.equal(await probeBwrap(bwrap!), undefined);
    assert.equal(await probeBwrap("/bin/false"), "exit code 1");
    assert.match((await probeBwrap("/nonexistent/bwrap"))!, /No such file|not found/i);
  },
});

Deno.test("bwrapArgs() binds the host-tunable parts of /proc read-only over the new /proc", () => {
  const args = bwrapArgs(MOUNTS, "/", ["true"], { seccompFd: 3 });
  const ops = mountOps(args);
  const proc = ops.findIndex((op) => op[0] === "--proc" && op[1] === "/proc");
  assert.ok(proc >= 0);
  for (const path of ["/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"]) {
    const at = ops.findIndex((op) => op[0] === "--ro-bind-try" && op[1] === path && op[2] === path);
    assert.ok(at > proc, `${path} is not bound read-only after --proc`);
  }
  assert.equal(args[args.indexOf("--seccomp") + 1], "3");
});

Deno.test({
  name: "probeBwrap() starts the sandbox with the seccomp filter and its limits",
  ignore: bwrap === undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "hit-bwrap-" });
    try {
      const tools = await prepareBwrap(bwrap!, dir);
      assert.equal(await probeBwrap(bwrap!, tools.seccompFile), undefined);
      // Written once, by its hash, read-only.
      assert.equal((await Deno.stat(tools.seccompFile)).mode! & 0o777, 0o444);
      assert.equal((await prepareBwrap(bwrap!, dir)).seccompFile, tools.seccompFile);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
