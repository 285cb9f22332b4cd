import assert from "node:assert/strict";
import { linkRules } from "../../src/spec/profile_links.ts";
import { catchHitError, loadTreePackage, writeSpecTree, yaml } from "./_spec_tree.ts";

const LINKS = {
  "profile.yaml": "package_dirs: [.]\nparameters: {pyver: '2.7'}\n",
  "py-foo.yaml": yaml`
    profile_links:
    - {name: a_link, link: '*/**/*'}
    - {name: b_exclude, after: a_link, exclude: 'lib/python{{pyver}}/site.py'}
    - {name: c_launcher, after: b_exclude, launcher: 'bin/*'}
    - {name: d_copy, after: c_launcher, copy: 'etc/*.conf', dirs: true}
    - {name: e_dirs, after: d_copy, link: 'share/*', dirs: true}
  `,
};

Deno.test("linkRules() emits each rule kind of §3.7 in stage order", async () => {
  await using tree = await writeSpecTree(LINKS);
  assert.deepEqual(linkRules(loadTreePackage(tree, "py-foo"), "relative_symlink"), [
    {
      action: "relative_symlink",
      select: "${PY_FOO_DIR}/*/**/*",
      prefix: "${PY_FOO_DIR}",
      target: "${ARTIFACT}",
      dirs: false,
    },
    { action: "exclude", select: "lib/python2.7/site.py" },
    {
      action: "launcher",
      select: "${PY_FOO_DIR}/bin/*",
      prefix: "${PY_FOO_DIR}",
      target: "${ARTIFACT}",
    },
    {
      action: "copy",
      select: "${PY_FOO_DIR}/etc/*.conf",
      prefix: "${PY_FOO_DIR}",
      target: "${ARTIFACT}",
      dirs: true,
    },
    {
      action: "relative_symlink",
      select: "${PY_FOO_DIR}/share/*",
      prefix: "${PY_FOO_DIR}",
      target: "${ARTIFACT}",
      dirs: true,
    },
  ]);
});

Deno.test("linkRules() omits launchers when linking by copy (hit develop --link=copy)", async () => {
  await using tree = await writeSpecTree(LINKS);
  const rules = linkRules(loadTreePackage(tree, "py-foo"), "copy", "/home/me/env");
  assert.deepEqual(rules.map((rule) => rule.action), ["copy", "exclude", "copy", "copy"]);
  assert.ok(
    rules.filter((rule) => rule.action === "copy").every((rule) => rule.target === "/home/me/env"),
  );
});

Deno.test("linkRules() uses absolute_symlink and keeps launchers for hit develop", async () => {
  await using tree = await writeSpecTree(LINKS);
  const rules = linkRules(loadTreePackage(tree, "py-foo"), "absolute_symlink");
  assert.deepEqual(rules.map((rule) => rule.action), [
    "absolute_symlink",
    "exclude",
    "launcher",
    "copy",
    "absolute_symlink",
  ]);
});

Deno.test("linkRules() lets the first of link, exclude, launcher, copy decide", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "foo.yaml":
      "profile_links:\n- {name: a, copy: c, launcher: l, exclude: e}\n- {name: b, copy: c, link: k}\n",
  });
  assert.deepEqual(linkRules(loadTreePackage(tree, "foo"), "relative_symlink"), [
    { action: "exclude", select: "e" },
    {
      action: "relative_symlink",
      select: "${FOO_DIR}/k",
      prefix: "${FOO_DIR}",
      target: "${ARTIFACT}",
      dirs: false,
    },
  ]);
});

Deno.test("linkRules() prefixes with the package name, not the used name (test_stack)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\npackages:\n  original: {use: alternate}\n",
    "alternate.yaml": "defaults: {dir: alternate}\nprofile_links:\n- link: '*/{{dir}}/*'\n",
  });
  const [rule] = linkRules(loadTreePackage(tree, "original"), "relative_symlink");
  assert.equal(rule.prefix, "${ORIGINAL_DIR}");
  assert.equal(rule.select, "${ORIGINAL_DIR}/*/alternate/*");
});

Deno.test("linkRules() rejects a stage with none of link, exclude, launcher, copy", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "foo.yaml": "profile_links:\n- {name: odd, symlink: '*'}\n",
  });
  const error = catchHitError(() => linkRules(loadTreePackage(tree, "foo"), "relative_symlink"));
  assert.equal(
    error.message,
    'profile_links of "foo": stage "odd" needs one of link, exclude, launcher, copy',
  );
  assert.deepEqual(error.location, { file: tree.path("foo.yaml"), package: "foo" });
});

Deno.test("linkRules() rejects a pattern that is not a string", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "foo.yaml": "profile_links:\n- {name: l, link: [a, b]}\n",
  });
  const error = catchHitError(() => linkRules(loadTreePackage(tree, "foo"), "relative_symlink"));
  assert.match(error.message, /"link" of "l" must be a glob/);
  assert.equal(error.location.package, "foo");
});

Deno.test("linkRules() rejects a dirs that is not true or false, naming the package", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "odd.yaml": "profile_links:\n- {name: odd_link, link: '*/**/*', dirs: .nan}\n",
  });
  const error = catchHitError(() => linkRules(loadTreePackage(tree, "odd"), "relative_symlink"));
  assert.match(error.message, /"dirs" of ".*" must be true or false/);
  assert.equal(error.location.package, "odd");
  assert.equal(error.location.file, tree.path("odd.yaml"));
});
