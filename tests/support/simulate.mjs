// Evaluate IAM requests with @cloud-copilot/iam-simulate (dev/test only, AGPL; never deployed).
// stdin: a JSON array of Simulation objects; stdout: a JSON array of
// {result, errors} where result is e.g. "Allowed", "ImplicitlyDenied", "ExplicitlyDenied".
import { runSimulation } from "@cloud-copilot/iam-simulate";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const simulations = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const results = [];
for (const simulation of simulations) {
  const response = await runSimulation(simulation, {});
  results.push({ result: response.overallResult ?? null, errors: response.errors ?? null });
}
process.stdout.write(JSON.stringify(results));
