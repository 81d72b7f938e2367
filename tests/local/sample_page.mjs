// Drives the sample page (web/sample/) in Debian's headless Chromium with playwright-core (no
// browser download): sign up, confirm, sign in, upload a photo, list it; writes a screenshot and
// prints what the page showed as JSON. tests/local/test_local_backend.py runs it and checks the
// backend agrees.
//   node tests/local/sample_page.mjs <page url> <email> <password> <code> <photo.png> <screenshot.png> <chromium>
import { chromium } from "playwright-core";

const [url, email, password, code, photo, screenshot, executablePath] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-background-networking"],
});
const problems = [];
try {
  const page = await browser.newPage();
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => message.type() === "error" && problems.push(`console: ${message.text()}`));
  const status = async (expected) => {
    await page.waitForFunction(
      (want) => ["error", want].includes(document.getElementById("status").textContent),
      expected,
      { timeout: 20_000 },
    );
    const shown = await page.textContent("#status");
    if (shown !== expected) throw new Error(`expected ${expected}, page says: ${await page.textContent("#error")}`);
  };
  await page.goto(url);
  await status("ready");
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.click("#sign-up");
  await status("confirm");
  await page.fill("#code", code);
  await page.click("#confirm");
  await status("confirmed");
  await page.click("#sign-in");
  await status("signed-in");
  await page.setInputFiles("#photo", photo);
  await page.click("#upload");
  await status("uploaded");
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({
    sub: await page.textContent("#sub"),
    identity: await page.textContent("#identity"),
    credentials: await page.textContent("#credentials"),
    photos: await page.$$eval("#photos li", (items) => items.map((item) => item.textContent)),
    problems,
  }));
} finally {
  await browser.close();
}
