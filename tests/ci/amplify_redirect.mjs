// Load a client config file into Amplify JS v6 and record where signInWithRedirect sends the
// browser: for the managed login page, each built-in provider the file lists, and each custom
// (OIDC/SAML) provider under custom.custom_identity_providers.
// argv: the config file. stdout: JSON [{provider, url}].
// A minimal browser: the page sits where the first sign-in redirect points (a web app serves its
// callback; for the mobile file, the app's scheme, as in an in-app browser tab), storage is in
// memory, and navigation is recorded instead of followed. React Native itself is not emulated.
import { readFile } from "node:fs/promises";

const outputs = JSON.parse(await readFile(process.argv[2], "utf8"));
const callback = outputs.auth.oauth.redirect_sign_in_uri[0];
const page = new URL(callback);
const origin = page.protocol.startsWith("http") ? page.origin : `${page.protocol}//${page.host}`;
const navigations = [];
const memory = new Map();
const storage = {
  getItem: (key) => memory.get(key) ?? null,
  setItem: (key, value) => memory.set(key, String(value)),
  removeItem: (key) => memory.delete(key),
  clear: () => memory.clear(),
  key: (index) => [...memory.keys()][index] ?? null,
  get length() {
    return memory.size;
  },
};
Object.assign(globalThis, {
  window: globalThis,
  document: { cookie: "", addEventListener() {}, visibilityState: "visible" },
  localStorage: storage,
  sessionStorage: storage,
  addEventListener() {},
  removeEventListener() {},
  location: { origin, hostname: page.hostname, pathname: "/", assign: (url) => navigations.push(url) },
});
Object.defineProperty(globalThis.location, "href", {
  get: () => `${origin}/`,
  set: (url) => navigations.push(url),
});

const { Amplify } = await import("aws-amplify");
const { signInWithRedirect } = await import("aws-amplify/auth");
Amplify.configure(outputs);

const BUILT_IN = {
  GOOGLE: "Google",
  FACEBOOK: "Facebook",
  SIGN_IN_WITH_APPLE: "Apple",
  LOGIN_WITH_AMAZON: "Amazon",
};
const providers = [
  ["managed login", undefined],
  ...outputs.auth.oauth.identity_providers.map((name) => [name, BUILT_IN[name]]),
  ...(outputs.custom?.custom_identity_providers ?? []).map((name) => [name, { custom: name }]),
];
const results = [];
for (const [label, provider] of providers) {
  memory.clear();
  const before = navigations.length;
  await signInWithRedirect({ provider, options: { preferredRedirectSignInUrl: callback } });
  results.push({ provider: label, url: navigations.slice(before).find((url) => url) ?? null });
}
process.stdout.write(JSON.stringify(results));
