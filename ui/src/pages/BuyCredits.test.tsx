// @vitest-environment jsdom
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { browser } from '../api/client.ts';
import { SessionProvider, useSession } from '../session.tsx';
import { flush, pageStage } from '../testing/pageStage.ts';
import BuyCreditsPage from './BuyCredits.tsx';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const PACKAGES = [
  { id: 'starter', name: 'Starter', credits: 10, price: 9.99, currency: 'usd', active: true, createdAt: '2026-12-01T00:00:00Z' },
  { id: 'pro', name: 'Pro', credits: 120, price: 99, currency: 'usd', active: true, createdAt: '2026-12-01T00:00:00Z' },
];
const CHECKOUT_URL = 'https://checkout.stripe.com/c/pay/cs_test_a1b2#fid';

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

let checkoutAnswer: () => Response;

/** The gateway as the page sees it: a user of one account, two packages, and the checkout endpoint. */
const fetchMock = vi.fn(async (url: string, _init?: RequestInit) => {
  if (url === '/api/me') return json({ keyId: 'k1', accountId: 'acct-buyer', role: 'user', scopes: ['chat'] });
  if (url === '/api/credits/packages') return json(PACKAGES);
  if (url === '/api/credits/checkout') return checkoutAnswer();
  throw new Error(`unexpected call ${url}`);
});

function SignedInBuyCredits() {
  return useSession().me ? <BuyCreditsPage /> : null;
}

const stage = pageStage(fetchMock, 'tg-user-key');
let goTo: ReturnType<typeof vi.spyOn>;

beforeEach(() => {
  goTo = vi.spyOn(browser, 'goTo').mockImplementation(() => {});
  checkoutAnswer = () =>
    json({ sessionId: 'cs_test_a1b2', url: CHECKOUT_URL, accountId: 'acct-buyer', packageId: 'pro', credits: 120, price: 99, currency: 'usd' }, 201);
  window.location.hash = '#/buy';
});

afterEach(() => {
  goTo.mockRestore();
});

function button(text: string): HTMLButtonElement {
  const found = [...stage.container.querySelectorAll('button')].find((b) => b.textContent?.startsWith(text));
  if (!found) throw new Error(`no button '${text}' in ${stage.container.innerHTML}`);
  return found;
}

async function render() {
  stage.render(<SessionProvider><SignedInBuyCredits /></SessionProvider>);
  await flush();
  await flush();
}

describe('Buy credits', () => {
  it('lists the packages with their credits and price', async () => {
    await render();

    const items = [...stage.container.querySelectorAll('[data-testid="credit-packages"] li')];
    expect(items.map((li) => li.getAttribute('data-package'))).toEqual(['starter', 'pro']);
    expect(items[0]!.textContent).toContain('10.00 credits');
    expect(items[0]!.textContent).toContain('$9.99');
    expect(items[1]!.textContent).toContain('120.00 credits');
  });

  it("opens a checkout for the chosen package and sends the buyer to Stripe's page", async () => {
    await render();

    act(() => button('Buy Pro').click());
    await flush();

    const checkouts = fetchMock.mock.calls.filter(([url]) => url === '/api/credits/checkout');
    expect(checkouts).toHaveLength(1);
    expect(checkouts[0]![1]?.method).toBe('POST');
    expect(JSON.parse(String(checkouts[0]![1]?.body))).toEqual({ packageId: 'pro' });
    expect(goTo).toHaveBeenCalledWith(CHECKOUT_URL);
  });

  it('says why when the gateway cannot sell credits, and goes nowhere', async () => {
    checkoutAnswer = () =>
      json({ error: { message: 'Buying credits is not configured on this gateway: ask its operator for credit.', code: 'purchases_not_configured' } }, 503);
    await render();

    act(() => button('Buy Starter').click());
    await flush();

    expect(stage.container.querySelector('[role="alert"]')?.textContent).toContain('not configured');
    expect(goTo).not.toHaveBeenCalled();
    expect(button('Buy Starter').disabled).toBe(false);
  });

  it('thanks the buyer who comes back from a paid checkout', async () => {
    window.location.hash = '#/buy?checkout=success&session_id=cs_test_a1b2';
    await render();

    expect(stage.container.querySelector('[role="status"]')?.textContent).toContain('payment went through');
  });
});
