// End-to-end test of the dashboard in a real browser: playwright-core driving Debian's Chromium
// (never a downloaded browser) against a running Tollgate whose data the caller prepared.
//
//   TOLLGATE_URL         the gateway serving the UI, e.g. http://127.0.0.1:8080
//   TOLLGATE_USER_KEY    a user key of an account with credits
//   TOLLGATE_ACCOUNT_ID  that account's id
//   TOLLGATE_ADMIN_KEY   an admin key
//   TOLLGATE_MODEL       a priced, callable model (default mock/gpt-4o)
//   SCREENSHOT_DIR       where the page screenshots go (default ./screenshots)
//   CHROMIUM             the browser (default /usr/bin/chromium)
//   E2E_TIMEOUT_MS       the limit for any single wait (default 20000)
//
// Exits 0 when every step passed, 1 on a failed step, 2 when it cannot start (no Chromium, no settings).
// infra/e2e's UiEndToEndTest runs it during `mvn verify`; it can also run by hand against `./tollgate up --demo`.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') {
    console.error(`[e2e] ${name} is not set`);
    process.exit(2);
  }
  return value;
};

const BASE = env('TOLLGATE_URL').replace(/\/$/, '');
const USER_KEY = env('TOLLGATE_USER_KEY');
const ACCOUNT = env('TOLLGATE_ACCOUNT_ID');
const ADMIN_KEY = env('TOLLGATE_ADMIN_KEY');
const MODEL = env('TOLLGATE_MODEL', 'mock/gpt-4o');
const SHOTS = resolve(env('SCREENSHOT_DIR', 'screenshots'));
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const TIMEOUT = Number(env('E2E_TIMEOUT_MS', '20000'));

if (!existsSync(CHROMIUM)) {
  console.error(
    `[e2e] no Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium; ./tollgate test does it) or set CHROMIUM`,
  );
  process.exit(2);
}
mkdirSync(SHOTS, { recursive: true });

const log = (...args) => console.log(`[e2e ${new Date().toISOString().slice(11, 23)}]`, ...args);
let step = 'start';
const steps = [];

async function run(name, body) {
  step = name;
  const started = Date.now();
  log(`▶ ${name}`);
  await body();
  steps.push(`${name} (${Date.now() - started} ms)`);
  log(`✓ ${name}`);
}

/** Polls `probe` until it returns a truthy value; fails with `what` after the timeout. No fixed sleeps. */
async function eventually(what, probe, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const userDataDir = mkdtempSync(join(tmpdir(), 'tollgate-e2e-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1280, height: 900 },
});
context.setDefaultTimeout(TIMEOUT);
const page = context.pages()[0] ?? (await context.newPage());
const consoleErrors = [];
page.on('console', (message) => {
  if (message.type() === 'error') consoleErrors.push(message.text());
});
page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
page.on('dialog', (dialog) => void dialog.accept());

const shot = async (name) => {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  log(`  screenshot ${name}.png`);
};
const go = async (route) => {
  await page.goto(`${BASE}/#/${route}`);
  await page.locator('#page-title').waitFor();
};
const signIn = async (key) => {
  await page.goto(`${BASE}/`);
  await page.getByLabel('Tollgate API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
};
const signOut = async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
};
/** A gateway call from Node, to check what the pages did. */
const api = async (path, key, init = {}) => {
  const response = await fetch(`${BASE}${path}`, { ...init, headers: { Authorization: `Bearer ${key}`, ...(init.headers ?? {}) } });
  return { status: response.status, body: await response.json().catch(() => undefined) };
};

let failed = false;
try {
  await run('sign-in page renders and refuses a wrong key', async () => {
    await page.goto(`${BASE}/`);
    await shot('00-sign-in');
    await page.getByLabel('Tollgate API key').fill('tg-not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: /invalid|unknown/i }).waitFor();
  });

  await run('the pricing page is public', async () => {
    await page.getByRole('link', { name: /See what every model costs/ }).click();
    await page.getByTestId('pricing-rows').getByText(MODEL).waitFor();
    await shot('00-pricing-signed-out');
    await page.goto(`${BASE}/`);
    await page.getByLabel('Tollgate API key').waitFor();
  });

  await run('sign in with a user key', async () => {
    await signIn(USER_KEY);
    const stored = await page.evaluate(() => sessionStorage.getItem('tollgate.apiKey'));
    if (stored !== USER_KEY) throw new Error('the key is not in sessionStorage');
    const local = await page.evaluate(() => JSON.stringify(localStorage));
    if (local.includes(USER_KEY)) throw new Error('the key leaked into localStorage');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText(/Setup checklist/).waitFor();
    await shot('01-overview');
  });

  const balanceBefore = (await api(`/api/views/accounts/${ACCOUNT}/balance`, USER_KEY)).body?.balance;
  let requestId;

  await run('stream a reply in the playground', async () => {
    await go('playground');
    const picker = page.getByLabel('Model');
    await eventually('the model picker', async () => (await picker.locator('option', { hasText: MODEL }).count()) > 0);
    await picker.selectOption(MODEL);
    await page.getByLabel('Message').fill('Hello Tollgate, please **stream** to me');
    await page.getByRole('button', { name: 'Send' }).click();
    // Watch the reply grow while the turn is still streaming.
    const reply = page.locator('.turn-assistant').last();
    const seen = new Set();
    await eventually('the reply to finish streaming', async () => {
      const streaming = (await reply.getAttribute('data-streaming')) === 'true';
      const text = (await reply.locator('.markdown').textContent()) ?? '';
      if (streaming && text !== '…') seen.add(text.length);
      return !streaming && text.length > 0;
    });
    if (seen.size < 2) throw new Error(`the reply did not stream in pieces (saw ${seen.size} partial states)`);
    const meta = await reply.getByTestId('reply-meta').textContent();
    log(`  reply meta: ${meta}; partial states seen: ${seen.size}`);
    if (!/\d+ in · \d+ out tokens/.test(meta ?? '')) throw new Error(`no token counts in "${meta}"`);
    requestId = meta?.match(/· (\S+)$/)?.[1];
    if (!requestId) throw new Error(`no request id in "${meta}"`);
    // The credits the ledger billed replace the estimate once the views have the call.
    await eventually('the billed credits of the reply', async () => /credits billed/.test((await reply.getByTestId('reply-meta').textContent()) ?? ''));
    await shot('02-playground');
  });

  await run('the call shows up in Usage within seconds', async () => {
    await go('usage');
    await eventually('the call in the history', async () => (await page.getByTestId('history-rows').textContent())?.includes(requestId));
    await eventually('the summary counting it', async () => {
      const requests = await page.getByTestId('usage-requests').locator('.stat-value').textContent();
      return Number((requests ?? '0').replace(/\D/g, '')) >= 1;
    });
    await page.locator('.recharts-surface').first().waitFor();
    await shot('03-usage');
  });

  await run('the call shows up in Billing within seconds', async () => {
    await go('billing');
    await eventually('the debit in the ledger', async () => (await page.getByTestId('ledger-rows').textContent())?.includes(requestId));
    const after = (await api(`/api/views/accounts/${ACCOUNT}/balance`, USER_KEY)).body?.balance;
    if (!(Number(after) < Number(balanceBefore))) throw new Error(`balance did not go down: ${balanceBefore} → ${after}`);
    await page.getByRole('heading', { name: 'Monthly statements' }).waitFor();
    await shot('04-billing');
  });

  await run('create a key (secret shown once), then revoke it', async () => {
    await go('keys');
    const name = `e2e-${Date.now()}`;
    await page.getByLabel('Name').fill(name);
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('new-key-secret').textContent())?.trim();
    if (!secret?.startsWith('tg-')) throw new Error(`no secret shown: ${secret}`);
    const me = await api('/api/me', secret);
    if (me.status !== 200 || me.body?.accountId !== ACCOUNT) throw new Error(`the new key does not work: ${me.status}`);
    await shot('05-keys-created');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    if ((await page.getByTestId('new-key-secret').count()) !== 0) throw new Error('the secret is still shown');
    const row = page.locator(`tr[data-key-name="${name}"]`);
    await row.getByRole('button', { name: `Revoke key ${name}` }).click();
    await eventually('the key to show as revoked', async () => /revoked/i.test((await row.locator('.status').textContent()) ?? ''));
    await eventually('the gateway to refuse the revoked key', async () => (await api('/api/me', secret)).status === 401);
    await shot('06-keys');
  });

  await run('pricing lists the models with their prices', async () => {
    await go('pricing');
    await page.getByTestId('pricing-rows').getByText(MODEL).waitFor();
    await page.getByLabel('Search').fill('no-such-model-xyz');
    await page.getByText('No models match.').waitFor();
    await page.getByLabel('Search').fill('');
    await shot('07-pricing');
  });

  await run('dark mode', async () => {
    await page.getByLabel('Colour theme').selectOption('dark');
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    if (background !== 'rgb(15, 17, 21)') throw new Error(`dark background expected, got ${background}`);
    await go('overview');
    await shot('08-overview-dark');
    await page.getByLabel('Colour theme').selectOption('system');
  });

  await run('sign in as admin', async () => {
    await signOut();
    await signIn(ADMIN_KEY);
    await page.getByRole('link', { name: 'Providers' }).waitFor();
    await eventually('the checklist to be complete', async () => /4 of 4/.test((await page.getByText(/Setup checklist/).textContent()) ?? ''));
    await shot('09-admin-overview');
  });

  await run('providers and credentials', async () => {
    await go('providers');
    const provider = MODEL.split('/')[0];
    await page.getByLabel('Find a provider').fill(provider);
    const card = page.locator(`[data-provider="${provider}"]`);
    await card.getByRole('heading', { name: provider, exact: true }).waitFor();
    await card.getByRole('button', { name: /^Test / }).first().click();
    await page.getByRole('status').filter({ hasText: /Test of .*: valid/ }).waitFor();
    await shot('10-providers');
  });

  await run('change a rate as admin', async () => {
    await go('rates');
    const row = page.locator(`tr[data-model="${MODEL}"]`);
    await row.getByRole('button', { name: `Edit ${MODEL}` }).click();
    await page.getByLabel(`Input price of ${MODEL}`, { exact: true }).fill('3.5');
    await page.getByLabel(`Output price of ${MODEL}`, { exact: true }).fill('12');
    await shot('11-rates-editing');
    await row.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: `Saved the rate of ${MODEL}` }).waitFor();
    await eventually('the new rate in the table', async () => /3[.,]50/.test((await row.locator('td.num').first().textContent()) ?? ''));
    const listed = await api('/v1/models', USER_KEY);
    const model = listed.body?.data?.find((m) => m.id === MODEL);
    if (Number(model?.pricing?.input) !== 3.5 || Number(model?.pricing?.output) !== 12) {
      throw new Error(`/v1/models does not show the new rate: ${JSON.stringify(model?.pricing)}`);
    }
    await shot('12-rates');
  });

  await run('admin picks an account on Usage and Billing', async () => {
    await go('usage');
    await eventually('the account in the picker', async () => (await page.getByLabel('Account').locator(`option[value="${ACCOUNT}"]`).count()) > 0);
    await page.getByLabel('Account').selectOption(ACCOUNT);
    await eventually('the account history', async () => (await page.getByTestId('history-rows').textContent())?.includes(requestId));
    await page.getByTestId('usage-summary').waitFor();
    await shot('13-admin-usage');
    await go('billing');
    await page.getByTestId('billing-balance').waitFor();
    await shot('14-admin-billing');
  });

  await run('narrow screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await go('overview');
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('heading', { name: 'Usage' }).waitFor();
    await page.getByTestId('usage-summary').waitFor();
    await eventually('the history on the phone', async () => (await page.getByTestId('history-rows').textContent())?.includes(requestId));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (overflow > 0) throw new Error(`the page is ${overflow}px wider than a phone screen`);
    await shot('15-mobile-usage');
  });

  const unexpected = consoleErrors.filter((e) => !/401|Failed to load resource/.test(e));
  if (unexpected.length > 0) throw new Error(`console errors:\n  ${unexpected.join('\n  ')}`);
} catch (error) {
  failed = true;
  console.error(`[e2e] FAILED in step "${step}": ${error?.stack ?? error}`);
  await page.screenshot({ path: join(SHOTS, 'failure.png'), fullPage: true }).catch(() => {});
  if (consoleErrors.length) console.error(`[e2e] browser console errors:\n  ${consoleErrors.join('\n  ')}`);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
log(`${failed ? 'FAILED' : 'passed'}: ${steps.length} steps passed${steps.length ? `\n  - ${steps.join('\n  - ')}` : ''}`);
process.exit(failed ? 1 : 0);
