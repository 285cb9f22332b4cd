import { resolveProfile, createResolver } from "/work/main/src/spec/resolve.ts";
import { loadProfile } from "/work/main/src/spec/profile.ts";
import { createSpecFiles } from "/work/main/src/spec/spec_files.ts";
import { HitError } from "/work/main/src/errors.ts";
const root = Deno.args[0];
const names = new Set<string>();
for (const e of Deno.readDirSync(root + "/pkgs")) {
  if (e.isFile && e.name.endsWith(".yaml")) names.add(e.name.slice(0, -5));
  else if (e.isDirectory) { try { Deno.statSync(`${root}/pkgs/${e.name}/${e.name}.yaml`); names.add(e.name);} catch { console.log("dir without own yaml", e.name, [...Deno.readDirSync(`${root}/pkgs/${e.name}`)].map(x=>x.name).join(" ")); } }
}
console.log(names.size);
const virt: Record<string,string> = {mpi:"host-mpi", blas:"host-blas", lapack:"host-lapack", libstdcxx:"host-libstdcxx", matlab:"host-matlab"};
const head = `extends:\n- file: linux.yaml\nparameters:\n  HOST_MPICC: /usr/bin/mpicc\n  HOST_MPICXX: /usr/bin/mpicxx\n  HOST_MPIF77: /usr/bin/mpif77\n  HOST_MPIF90: /usr/bin/mpif90\n  HOST_MPIEXEC: /usr/bin/mpiexec\npackages:\n` + Object.entries(virt).map(([k,v])=>`  ${k}:\n    use: ${v}\n`).join("");
Deno.writeTextFileSync(`${root}/_p.yaml`, head);
const profile = loadProfile(`${root}/_p.yaml`, { files: createSpecFiles() });
const resolver = createResolver(profile, createSpecFiles());
const bad = new Map<string,string>();
for (const n of [...names].sort()) {
  try { for (const d of resolver.closure([n])) resolver.result(d); }
  catch (e) { bad.set(n, e instanceof HitError ? e.message : "NON-HIT " + (e as Error).stack); }
}
for (const [n, m] of bad) console.log(n, "::", m);
console.log("bad", bad.size);
