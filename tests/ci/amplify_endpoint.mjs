// Load a client config file into Amplify JS v6, point it at the file's failover endpoints (as an
// app does while the primary Region is out), sign in with a password, and record where the
// request goes. argv: the config file. stdout: JSON [{url, target}], one per request sent.
// fetch is stubbed: each request is recorded and answered as Cognito answers an unknown user.
import { readFile } from "node:fs/promises";

const outputs = JSON.parse(await readFile(process.argv[2], "utf8"));
const requests = [];
globalThis.fetch = async (input, init = {}) => {
  const headers = new Headers(init.headers ?? {});
  requests.push({ url: String(input.url ?? input), target: headers.get("x-amz-target") });
  return new Response(
    JSON.stringify({ __type: "UserNotFoundException", message: "User does not exist." }),
    { status: 400, headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": "UserNotFoundException" } },
  );
};

const { Amplify } = await import("aws-amplify");
const { parseAmplifyConfig } = await import("aws-amplify/utils");
const { signIn } = await import("aws-amplify/auth");
const resources = parseAmplifyConfig(outputs);
const endpoints = outputs.custom?.failover?.endpoints ?? {};
Amplify.configure({
  ...resources,
  Auth: { Cognito: { ...resources.Auth.Cognito, userPoolEndpoint: endpoints.user_pool } },
});
try {
  await signIn({ username: "alice@example.com", password: "Correct-Horse-9" });
} catch (error) {
  if (error.name !== "UserNotFoundException") throw error;
}
process.stdout.write(JSON.stringify(requests));
