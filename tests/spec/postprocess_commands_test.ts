import assert from "node:assert/strict";
import { postprocessCommands } from "../../src/spec/postprocess_commands.ts";
import { catchHitError, loadTreePackage, writeSpecTree, yaml } from "./_spec_tree.ts";

Deno.test("postprocessCommands() collects the flags of all stages in order, duplicates kept (§3.8)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\nparameters: {relocatable: true}\n",
    "base.yaml": yaml`
      post_process:
      - name: shebang
        hit: [shebang=multiline]
      - name: relocate
        after: protect
        when: relocatable == True
        hit: [relative-symlinks, 'check-ignore=.*\\.pyc\\$']
      - name: protect
        after: shebang
        hit: [write-protect]
    `,
    "foo.yaml":
      "extends: [base]\npost_process:\n- {name: more, after: relocate, hit: [relative-symlinks]}\n- {name: empty, after: more}\n",
  });
  assert.deepEqual(postprocessCommands(loadTreePackage(tree, "foo")), [{
    hit: [
      "build-postprocess",
      "--shebang=multiline",
      "--write-protect",
      "--relative-symlinks",
      "--check-ignore=.*\\.pyc\\$",
      "--relative-symlinks",
    ],
  }]);
});

Deno.test("postprocessCommands() gives no command when no stage has a flag", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "foo.yaml": "post_process:\n- {name: a}\n- {name: b, hit: []}\n",
    "bar.yaml": "{}\n",
  });
  assert.deepEqual(postprocessCommands(loadTreePackage(tree, "foo")), []);
  assert.deepEqual(postprocessCommands(loadTreePackage(tree, "bar")), []);
});

Deno.test("postprocessCommands() rejects hit that is not a list of flags", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "foo.yaml": "post_process:\n- {name: post1, hit: relative-rpath}\n",
  });
  const error = catchHitError(() => postprocessCommands(loadTreePackage(tree, "foo")));
  assert.equal(
    error.message,
    'post_process of "foo": "hit" of stage "post1" must be a list of flags',
  );
  assert.deepEqual(error.location, { file: tree.path("foo.yaml"), package: "foo" });
  assert.equal(error.hint, "write `hit: [write-protect]`");
});
