// Load a client config file into Amplify JS v6, point it at the file's failover endpoints and
// identity pool (as an app does while the primary Region is out), sign in with a password, then
// ask for credentials, and record where each request goes. argv: the config file. stdout: JSON
// [{url, target, body}], one per request sent.
// fetch is stubbed: each request is recorded; the sign-in is answered as Cognito answers an
// unknown user, the identity pool's calls as it answers a guest. Guest access is turned on in
// Amplify's configuration only so that the credential call is made without a real sign-in.
import { readFile } from "node:fs/promises";

const outputs = JSON.parse(await readFile(process.argv[2], "utf8"));
const requests = [];
const answers = {
  "AWSCognitoIdentityService.GetId": { IdentityId: "guest-identity" },
  "AWSCognitoIdentityService.GetCredentialsForIdentity": {
    IdentityId: "guest-identity",
    Credentials: { AccessKeyId: "AKID", SecretKey: "secret", SessionToken: "token", Expiration: 4102444800 },
  },
};
globalThis.fetch = async (input, init = {}) => {
  const headers = new Headers(init.headers ?? {});
  const target = headers.get("x-amz-target");
  requests.push({ url: String(input.url ?? input), target, body: JSON.parse(init.body ?? "{}") });
  const answer = answers[target];
  const type = "application/x-amz-json-1.1";
  if (answer) return new Response(JSON.stringify(answer), { status: 200, headers: { "content-type": type } });
  return new Response(
    JSON.stringify({ __type: "UserNotFoundException", message: "User does not exist." }),
    { status: 400, headers: { "content-type": type, "x-amzn-errortype": "UserNotFoundException" } },
  );
};

const { Amplify } = await import("aws-amplify");
const { parseAmplifyConfig } = await import("aws-amplify/utils");
const { fetchAuthSession, signIn } = await import("aws-amplify/auth");
const resources = parseAmplifyConfig(outputs);
const failover = outputs.custom?.failover ?? {};
Amplify.configure({
  ...resources,
  Auth: {
    Cognito: {
      ...resources.Auth.Cognito,
      userPoolEndpoint: failover.endpoints?.user_pool,
      identityPoolId: failover.identity_pool_id,
      identityPoolEndpoint: failover.endpoints?.identity_pool,
      allowGuestAccess: true,
    },
  },
});
try {
  await signIn({ username: "alice@example.com", password: "Correct-Horse-9" });
} catch (error) {
  if (error.name !== "UserNotFoundException") throw error;
}
await fetchAuthSession();
process.stdout.write(JSON.stringify(requests));
