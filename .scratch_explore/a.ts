import { resolveProfile } from "/work/main/src/spec/resolve.ts";
import { cp } from "node:fs/promises";
const root = await Deno.makeTempDir();
await cp("/work/shared/corpus/hashstack", root, { recursive: true });
for (const f of Deno.readDirSync(root + "/tests")) {
  await Deno.copyFile(`${root}/tests/${f.name}`, `${root}/${f.name}`);
}
for (const f of [...Deno.readDirSync(root + "/tests")].map((e) => e.name).sort()) {
  const t = performance.now();
  try {
    const r = resolveProfile(`${root}/${f}`);
    console.log(f, r.packages.size, (performance.now() - t).toFixed(0));
  } catch (e) {
    console.log(f, "ERR", (e as Error).constructor.name, (e as Error).message);
  }
}
console.log(root);
