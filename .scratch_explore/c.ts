import { resolveProfile } from "/work/main/src/spec/resolve.ts";
import { createSpecFiles } from "/work/main/src/spec/spec_files.ts";
const root = Deno.args[0];
const names = new Set<string>();
for (const e of Deno.readDirSync(root + "/pkgs")) {
  if (e.isFile && e.name.endsWith(".yaml")) names.add(e.name.slice(0, -5));
  else if (e.isDirectory) names.add(e.name);
}
const virt: Record<string,string> = {mpi:"host-mpi", blas:"host-blas", lapack:"host-lapack", libstdcxx:"host-libstdcxx", matlab:"host-matlab"};
let text = `extends:\n- file: linux.yaml\nparameters:\n  HOST_MPICC: /usr/bin/mpicc\n  HOST_MPICXX: /usr/bin/mpicxx\n  HOST_MPIF77: /usr/bin/mpif77\n  HOST_MPIF90: /usr/bin/mpif90\n  HOST_MPIEXEC: /usr/bin/mpiexec\npackages:\n`;
for (const n of [...names].sort()) text += virt[n] ? `  ${n}:\n    use: ${virt[n]}\n` : `  ${n}:\n`;
for (const [k,v] of Object.entries(virt)) if (!names.has(k)) text += `  ${k}:\n    use: ${v}\n`;
Deno.writeTextFileSync(`${root}/_all.yaml`, text);
for (let i = 0; i < 8; i++) { const t = performance.now(); const r = resolveProfile(`${root}/_all.yaml`, { files: createSpecFiles() }); console.log(r.packages.size, (performance.now()-t).toFixed(1)); }
