// The sample app's logic: every value comes from amplify_outputs.json (tools/deploy/client_config.py).
// Auth is Amplify JS v6 throughout. Storage uses the AWS SDK's S3 client with the session's
// credentials: Amplify Storage reaches only AWS's own S3 hosts (its per-call customEndpoint is
// https-only, and its test-only http endpoint is fixed at localhost:20005), while the local
// backend's S3 is plain http on the emulator's port.
import { Amplify } from "aws-amplify";
import { confirmSignUp, fetchAuthSession, signIn, signUp } from "aws-amplify/auth";
import { parseAmplifyConfig } from "aws-amplify/utils";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

const $ = (id) => document.getElementById(id);
const show = (state) => { $("status").textContent = state; };

async function configure() {
  const outputs = await (await fetch("amplify_outputs.json")).json();
  const resources = parseAmplifyConfig(outputs);
  const endpoints = outputs.custom?.endpoints ?? {};
  Amplify.configure({
    ...resources,
    Auth: {
      Cognito: {
        ...resources.Auth.Cognito,
        // Only the local backend sets these; against AWS, Amplify derives the hosts.
        ...(endpoints.user_pool ? { userPoolEndpoint: endpoints.user_pool } : {}),
        ...(endpoints.identity_pool ? { identityPoolEndpoint: endpoints.identity_pool } : {}),
      },
    },
  });
  const storage = outputs.storage;
  const s3 = new S3Client({
    region: storage.aws_region,
    ...(endpoints.s3 ? { endpoint: endpoints.s3, forcePathStyle: true } : {}),
    credentials: async () => (await fetchAuthSession()).credentials,
  });
  return { bucket: storage.bucket_name, prefixOf: (sub) => outputs.custom.photos_prefix.replace("<sub>", sub), s3 };
}

async function session() {
  const { tokens, identityId, credentials } = await fetchAuthSession();
  if (!tokens || !credentials) throw new Error("no session: sign in first");
  return { sub: tokens.idToken.payload.sub, identityId, credentials };
}

async function listPhotos(app) {
  const { sub } = await session();
  const listed = await app.s3.send(new ListObjectsV2Command({ Bucket: app.bucket, Prefix: app.prefixOf(sub) }));
  $("photos").replaceChildren(...(listed.Contents ?? []).map((object) => {
    const item = document.createElement("li");
    item.textContent = object.Key;
    return item;
  }));
}

function on(id, action) {
  $(id).addEventListener("click", async () => {
    $("error").textContent = "";
    try {
      await action();
    } catch (error) {
      $("error").textContent = `${error.name}: ${error.message}`;
      show("error");
    }
  });
}

const app = await configure();
const credentials = () => ({ username: $("email").value, password: $("password").value });
on("sign-up", async () => {
  const { username, password } = credentials();
  const { nextStep } = await signUp({ username, password, options: { userAttributes: { email: username } } });
  show(nextStep.signUpStep === "CONFIRM_SIGN_UP" ? "confirm" : nextStep.signUpStep);
});
on("confirm", async () => {
  await confirmSignUp({ username: $("email").value, confirmationCode: $("code").value });
  show("confirmed");
});
on("sign-in", async () => {
  const { nextStep } = await signIn(credentials());
  if (nextStep.signInStep !== "DONE") throw new Error(`sign-in stopped at ${nextStep.signInStep}`);
  const { sub, identityId, credentials: keys } = await session();
  $("sub").textContent = sub;
  $("identity").textContent = identityId;
  $("credentials").textContent = `${keys.accessKeyId} (expires ${keys.expiration?.toISOString?.() ?? "?"})`;
  await listPhotos(app);
  show("signed-in");
});
on("upload", async () => {
  const file = $("photo").files[0];
  if (!file) throw new Error("choose a photo first");
  const { sub } = await session();
  await app.s3.send(new PutObjectCommand({
    Bucket: app.bucket, Key: `${app.prefixOf(sub)}${file.name}`,
    // Bytes, not the File: the SDK's checksum step reads a browser Blob as a stream it is not.
    Body: new Uint8Array(await file.arrayBuffer()),
    ContentType: file.type,
  }));
  await listPhotos(app);
  show("uploaded");
});
show("ready");
