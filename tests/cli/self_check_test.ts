import assert from "node:assert/strict";
import {
  type CheckResult,
  diskCheck,
  installHint,
  LOW_DISK_BYTES,
  renderChecks,
  selfCheckExitCode,
} from "../../src/cli/self_check.ts";

const OK_CONFIG: CheckResult = {
  name: "config",
  status: "ok",
  detail: "/h/config.yaml",
  required: true,
};

Deno.test("renderChecks() prints one aligned line per check, then that all required passed", () => {
  const text = renderChecks([
    OK_CONFIG,
    { name: "git", status: "missing", detail: "not found", hint: "install it", required: false },
  ]);
  assert.equal(
    text,
    "ok       config  /h/config.yaml\n" +
      "missing  git     not found; install it\n" +
      "all required checks passed\n",
  );
});

Deno.test("renderChecks() names the required checks that are not ok", () => {
  const text = renderChecks([
    OK_CONFIG,
    { name: "bwrap", status: "missing", detail: "not installed", required: true },
    { name: "store", status: "failed", detail: "read-only", required: true },
  ]);
  assert.match(text, /\n2 required checks failed: bwrap, store\n$/);
  const one = renderChecks([{ name: "bash", status: "missing", detail: "x", required: true }]);
  assert.match(one, /\n1 required check failed: bash\n$/);
});

Deno.test("selfCheckExitCode() is 1 only when a required check is not ok", () => {
  const optional: CheckResult = { name: "xz", status: "missing", detail: "", required: false };
  const warning: CheckResult = { name: "disk", status: "warning", detail: "", required: false };
  assert.equal(selfCheckExitCode([OK_CONFIG, optional, warning]), 0);
  assert.equal(selfCheckExitCode([{ ...OK_CONFIG, status: "failed" }]), 1);
  assert.equal(selfCheckExitCode([{ ...OK_CONFIG, status: "warning" }]), 1);
});

Deno.test("diskCheck() warns below 1 GiB free and is never required", () => {
  assert.deepEqual(diskCheck(LOW_DISK_BYTES, "/s"), {
    name: "disk",
    status: "ok",
    detail: "1.0 GiB free in /s",
    required: false,
  });
  const low = diskCheck(300 * 1024 ** 2, "/s");
  assert.equal(low.status, "warning");
  assert.equal(low.detail, "only 300 MiB free in /s");
  assert.equal(low.required, false);
});

Deno.test("installHint() names the Debian and the RHEL package", () => {
  assert.equal(
    installHint("bwrap"),
    "install it: apt-get install bubblewrap (Debian/Ubuntu), dnf install bubblewrap (RHEL/Fedora)",
  );
  assert.match(installHint("xz"), /apt-get install xz-utils .* dnf install xz /);
});
