// @vitest-environment jsdom
import { act } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { SessionProvider, useSession } from '../session.tsx';
import { flush, pageStage } from '../testing/pageStage.ts';
import BillingPage from './Billing.tsx';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const BASE = '/api/views/accounts/acct-buyer';

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
}

const line = (lineNo: number, kind: string, amount: number, extra: Record<string, unknown>) => ({
  lineNo,
  occurredAt: '2026-12-01T10:00:00Z',
  kind,
  amount,
  balance: 10,
  requestId: null,
  grantId: null,
  provider: null,
  model: null,
  note: null,
  source: null,
  reference: null,
  ...extra,
});

const totals = { month: '2026-12', opening: 0, granted: 11, purchased: 10, debited: 0, refunded: 0, expired: 0, adjusted: -1, closing: 10 };

/** The views of one account that bought 10 credits with payment pi_3QabcDEF. */
const fetchMock = vi.fn(async (url: string, _init?: RequestInit) => {
  if (url === '/api/me') return json({ keyId: 'k1', accountId: 'acct-buyer', role: 'user', scopes: ['chat'] });
  if (url.startsWith(`${BASE}/balance`))
    return json({ accountId: 'acct-buyer', displayName: 'Buyer', closed: false, granted: 11, debited: 0, refunded: 0, expired: 0, adjusted: -1, balance: 10, reserved: 0, openReservations: 0, available: 10, burnPerDay: 0, estimatedDaysRemaining: null });
  if (url.startsWith(`${BASE}/ledger`))
    return json([
      line(3, 'adjustment', -1, { note: 'Stripe refund of 100 of 1000 usd on payment pi_3QabcDEF' }),
      line(2, 'grant', 10, { grantId: 'purchase_cs_test_a1', source: 'PURCHASE', reference: 'pi_3QabcDEF', note: 'purchase' }),
      line(1, 'grant', 1, { grantId: 'welcome', source: 'ADMIN', note: 'admin' }),
    ]);
  if (url.startsWith(`${BASE}/statements/2026-12`))
    return json({ accountId: 'acct-buyer', timeZone: 'UTC', totals, byModel: [], purchases: [{ occurredAt: '2026-12-01T10:00:00Z', credits: 10, grantId: 'purchase_cs_test_a1', reference: 'pi_3QabcDEF' }] });
  if (url.startsWith(`${BASE}/statements`)) return json([totals]);
  throw new Error(`unexpected call ${url}`);
});

function SignedInBilling() {
  return useSession().me ? <BillingPage /> : null;
}

const stage = pageStage(fetchMock, 'tg-user-key');

describe('Billing: purchases', () => {
  it('marks a purchase on the ledger with its payment, and lists it in its month with the purchased total', async () => {
    stage.render(<SessionProvider><SignedInBilling /></SessionProvider>);
    await flush();
    await flush();

    const rows = [...stage.container.querySelectorAll('[data-testid="ledger-rows"] tr')];
    expect(rows[1]!.textContent).toContain('purchase');
    expect(rows[1]!.textContent).toContain('payment pi_3QabcDEF');
    expect(rows[2]!.textContent).not.toContain('payment');
    const statementRow = [...stage.container.querySelectorAll('tr')].find((tr) => tr.querySelector('th')?.textContent === '2026-12')!;
    expect(statementRow.textContent).toContain('10.00');

    const details = [...stage.container.querySelectorAll('button')].find((b) => b.textContent === 'Details')!;
    act(() => details.click());
    await flush();
    await flush();

    const purchases = stage.container.querySelector('[data-testid="statement-purchases"]');
    expect(purchases?.textContent).toContain('10.00 credits bought');
    expect(purchases?.textContent).toContain('pi_3QabcDEF');
  });
});
