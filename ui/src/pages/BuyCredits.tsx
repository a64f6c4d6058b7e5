import { useState } from 'react';
import { browser, formatPrice, listCreditPackages, startCheckout } from '../api/client.ts';
import { formatCredits } from '../api/format.ts';
import { describeError } from '../api/http.ts';
import { useAsync } from '../api/useAsync.ts';
import { Empty, ErrorNote, Loading, PageHeader, Section } from '../components/ui.tsx';
import { useSignedIn } from '../session.tsx';

/** What Stripe's checkout came back with: `#/buy?checkout=success` or `…=cancelled`. */
function checkoutReturn(): string | null {
  const hash = globalThis.location?.hash ?? '';
  const search = hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '';
  return new URLSearchParams(search).get('checkout');
}

/** Buy credits: the operator's packages; buying one goes to Stripe's checkout and comes back here. */
export default function BuyCreditsPage() {
  const { key, me } = useSignedIn();
  const packages = useAsync((s) => listCreditPackages(key, s), [key]);
  const [buying, setBuying] = useState<string>();
  const [error, setError] = useState<string>();
  const returned = checkoutReturn();

  async function buy(packageId: string) {
    setBuying(packageId);
    setError(undefined);
    try {
      const checkout = await startCheckout(key, packageId);
      browser.goTo(checkout.url);
    } catch (e) {
      setError(describeError(e));
      setBuying(undefined);
    }
  }

  return (
    <>
      <PageHeader title="Buy credits" />
      {returned === 'success' && (
        <p className="notice" role="status">
          Thank you: your payment went through. The credits show on your balance as soon as Stripe confirms it, usually
          within seconds.
        </p>
      )}
      {returned === 'cancelled' && (
        <p className="muted" role="status">
          Checkout cancelled: nothing was charged.
        </p>
      )}
      {!me.accountId ? (
        <Empty>This key belongs to no account, so it cannot buy credits. Sign in with an account's key.</Empty>
      ) : (
        <Section title="Credit packages">
          <ErrorNote error={packages.error ?? error} />
          {!packages.data ? (
            <Loading />
          ) : packages.data.length === 0 ? (
            <Empty>No credit packages are for sale yet.</Empty>
          ) : (
            <ul className="plain packages" data-testid="credit-packages">
              {packages.data.map((p) => (
                <li key={p.id} data-package={p.id} className="card">
                  <h3>{p.name}</h3>
                  <p>
                    <strong>{formatCredits(p.credits)}</strong> credits for <strong>{formatPrice(p.price, p.currency)}</strong>
                  </p>
                  <button type="button" disabled={buying !== undefined} onClick={() => void buy(p.id)}>
                    {buying === p.id ? 'Opening checkout…' : `Buy ${p.name}`}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <p className="muted small">
            Payments are taken by Stripe for account <code>{me.accountId}</code>. A refunded payment takes back the credits
            it bought that are still unspent.
          </p>
        </Section>
      )}
    </>
  );
}
