/**
 * `hit remote` parsing and rendering, and the rewrite of the configuration's `remotes:` key,
 * without running the command.
 */
import assert from "node:assert/strict";
import { parseConfig } from "../../src/core/config.ts";
import { replaceRemotes } from "../../src/core/remotes.ts";
import { HitError } from "../../src/errors.ts";
import { parseRemoteArgs, renderRemotes } from "../../src/cli/remote.ts";

const CONFIG = `# mine
build_stores:
- dir: ./bld
build_temp: ./tmp
source_caches:
- dir: ./src
cache: ./cache
gc_roots: ./gcroots
`;

Deno.test("parseRemoteArgs() reads add, list and rm", () => {
  assert.deepEqual(
    parseRemoteArgs(
      ["add", "site", "oci://reg.example:5000/hit", "--push", "--trust", "k.pub"],
      "/w",
    ),
    {
      action: "add",
      remote: {
        name: "site",
        url: "oci://reg.example:5000/hit",
        push: true,
        trust: ["/w/k.pub"],
        trustUnsigned: false,
      },
    },
  );
  assert.deepEqual(parseRemoteArgs(["list"], "/w"), { action: "list" });
  assert.deepEqual(parseRemoteArgs(["rm", "site"], "/w"), { action: "rm", name: "site" });
});

Deno.test("parseRemoteArgs() refuses credentials in the URL, other schemes and bad usage", () => {
  const refuses = (args: string[], pattern: RegExp) =>
    assert.throws(() => parseRemoteArgs(args, "/w"), (error: HitError) => {
      assert.match(error.message, pattern);
      return true;
    });
  refuses(["add", "s", "oci://me:pw@reg.example/hit"], /credentials do not belong in the URL/);
  refuses(["add", "s", "ftp://reg.example/hit"], /unknown scheme "ftp:"/);
  refuses(["add", "s", "oci://reg.example/Hit"], /the repository prefix "Hit" must be lowercase/);
  refuses(["add", "s"], /expected "hit remote add NAME URL"/);
  refuses(["list", "--push"], /go with "add"/);
  refuses(["frob"], /unknown action "frob"/);
  assert.throws(
    () => parseRemoteArgs(["add", "s", "oci://me:pw@reg.example/hit"], "/w"),
    (error: HitError) => !error.message.includes("pw"),
  );
});

Deno.test("replaceRemotes() writes a remotes block that parseConfig() reads back", () => {
  const remotes = [
    { name: "site", url: "oci://reg/hit", push: true, trust: ["/k/a.pub"], trustUnsigned: false },
    { name: "usb", url: "file:///media/usb", push: false, trust: [], trustUnsigned: true },
  ];
  const text = replaceRemotes(CONFIG, remotes);
  assert.ok(text.startsWith(CONFIG));
  assert.deepEqual(parseConfig(text, "/home/u/.hit/config.yaml").remotes, remotes);
  const again = replaceRemotes(text + "sandbox: none\n", remotes.slice(1));
  assert.deepEqual(parseConfig(again, "/c.yaml").remotes, remotes.slice(1));
  assert.equal(parseConfig(again, "/c.yaml").sandbox, "none");
  assert.equal(replaceRemotes(again, []), CONFIG + "sandbox: none\n");
});

Deno.test("parseConfig() names the entry of a bad remote", () => {
  assert.throws(
    () => parseConfig(CONFIG + "remotes:\n- name: a\n  url: gopher://x\n", "/c.yaml"),
    /"remotes" entry 1: read remote URL "gopher:\/\/x": unknown scheme/,
  );
  assert.throws(
    () =>
      parseConfig(
        CONFIG + "remotes:\n- {name: a, url: 'file:///a'}\n- {name: a, url: 'file:///b'}\n",
        "/c.yaml",
      ),
    /the name "a" is used twice/,
  );
});

Deno.test("renderRemotes() lists each remote with its push flag and trust", () => {
  assert.equal(
    renderRemotes([
      { name: "site", url: "oci://reg/hit", push: true, trust: ["/k/a.pub"], trustUnsigned: false },
      { name: "usb", url: "file:///m", push: false, trust: [], trustUnsigned: true },
    ]),
    "site\toci://reg/hit\tpush, 1 trusted key\nusb\tfile:///m\ttrusts unsigned\n",
  );
  assert.match(renderRemotes([]), /^no remotes/);
});
