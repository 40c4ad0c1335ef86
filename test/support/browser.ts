import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Person, Product } from './product';

/**
 * Headless Chromium from the system's package (`.ci/run` installs Debian's `chromium`), driven by
 * playwright-core: nothing is downloaded. `CHROMIUM_PATH` names another binary.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const screenshotDir = path.join(__dirname, '..', '..', '.artifacts', 'screenshots');

/** Installs Debian's Chromium when it is missing and this may install packages (root with apt-get), as `.ci/run` does. */
function installChromium() {
  if (process.getuid?.() !== 0 || !fs.existsSync('/usr/bin/apt-get')) return;
  const install = () => execFileSync('apt-get', ['install', '-y', '-qq', 'chromium', 'fonts-noto-cjk'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    install();
  }
}

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(chromiumPath) && !process.env.CHROMIUM_PATH) installChromium();
  if (!fs.existsSync(chromiumPath))
    throw new Error(`No Chromium at ${chromiumPath}: install Debian's package (apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH.`);
  // As root (CI here) Chromium refuses its sandbox; the pages it opens are the product's own.
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** What the pages refused under the console's content security policy (Chromium says so on the console): none, ever. */
export const cspViolations: string[] = [];

/** One person at their own browser window, signed in to the console with their API key. */
export async function signedIn(browser: Browser, product: Product, who: Person): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/London' });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${who}: ${message.text()}`);
  });
  await page.goto(product.url + '/');
  await page.fill('input[name="apiKey"]', product.people[who].key);
  await page.click('form[data-testid="signin"] button[type="submit"]');
  await page.locator('[data-testid="who"]').waitFor();
  return page;
}

/** One of the vendor's staff at their own browser window, signed in through the organisation's OpenID provider. */
export async function ssoSignedIn(browser: Browser, product: Product, login: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/London' });
  const page = await context.newPage();
  await page.goto(product.url + '/');
  await page.click('[data-testid="sso"]');
  // The provider's own sign-in page, on its own origin.
  await page.locator('form[data-testid="idp-login"]').waitFor();
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'correct horse');
  await page.click('form[data-testid="idp-login"] button[type="submit"]');
  await page.locator('[data-testid="who"]').waitFor();
  return page;
}

let shots = 0;

/** A full-page screenshot under .artifacts/screenshots, numbered in the order the story takes them. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${String(++shots).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
