import { lazy, Suspense, useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Loading } from './components/ui.tsx';
import { useRoute } from './router.ts';
import { SessionProvider, useSession } from './session.tsx';
import { useTheme, type ThemeChoice } from './theme.ts';

const OverviewPage = lazy(() => import('./pages/Overview.tsx'));
const UsagePage = lazy(() => import('./pages/Usage.tsx'));
const BillingPage = lazy(() => import('./pages/Billing.tsx'));
const KeysPage = lazy(() => import('./pages/Keys.tsx'));
const ProvidersPage = lazy(() => import('./pages/Providers.tsx'));
const RatesPage = lazy(() => import('./pages/Rates.tsx'));
const PricingPage = lazy(() => import('./pages/Pricing.tsx'));
const PlaygroundPage = lazy(() => import('./pages/Playground.tsx'));
const BuyCreditsPage = lazy(() => import('./pages/BuyCredits.tsx'));

interface NavItem {
  route: string;
  label: string;
  admin?: boolean;
  page: () => ReactNode;
}

const NAV: NavItem[] = [
  { route: 'overview', label: 'Overview', page: () => <OverviewPage /> },
  { route: 'usage', label: 'Usage', page: () => <UsagePage /> },
  { route: 'billing', label: 'Billing', page: () => <BillingPage /> },
  { route: 'buy', label: 'Buy credits', page: () => <BuyCreditsPage /> },
  { route: 'keys', label: 'Keys', page: () => <KeysPage /> },
  { route: 'playground', label: 'Playground', page: () => <PlaygroundPage /> },
  { route: 'pricing', label: 'Pricing', page: () => <PricingPage /> },
  { route: 'providers', label: 'Providers', admin: true, page: () => <ProvidersPage /> },
  { route: 'rates', label: 'Models & rates', admin: true, page: () => <RatesPage /> },
];

export function App() {
  return (
    <SessionProvider>
      <Shell />
    </SessionProvider>
  );
}

function Shell() {
  const session = useSession();
  const route = useRoute();
  const [theme, setTheme] = useTheme();
  const [menuOpen, setMenuOpen] = useState(false);
  const mainRef = useRef<HTMLElement>(null);
  const isAdmin = session.me?.role === 'admin';
  const items = NAV.filter((item) => !item.admin || isAdmin);
  const current = items.find((item) => item.route === route) ?? items[0]!;

  // Move focus to the new page's heading, as a screen reader expects after navigation.
  useEffect(() => {
    setMenuOpen(false);
    const heading = mainRef.current?.querySelector<HTMLElement>('#page-title');
    heading?.focus({ preventScroll: true });
    document.title = `${current.label} · Tollgate`;
  }, [route, current.label]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <a className="brand" href="#/overview" aria-label="Tollgate home">
            <span className="brand-mark" aria-hidden="true">
              T
            </span>
            <span>Tollgate</span>
          </a>
          {session.me && (
            <button
              type="button"
              className="menu-toggle secondary"
              aria-expanded={menuOpen}
              aria-controls="primary-nav"
              onClick={() => setMenuOpen((open) => !open)}
            >
              Menu
            </button>
          )}
          {session.me && (
            <nav id="primary-nav" aria-label="Main" className={menuOpen ? 'open' : ''}>
              <ul>
                {items.map((item) => (
                  <li key={item.route}>
                    <a href={`#/${item.route}`} aria-current={item === current ? 'page' : undefined}>
                      {item.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          <div className="topbar-tools">
            <ThemeToggle choice={theme} onChange={setTheme} />
            {session.me && (
              <>
                <span className="who small" title={`${session.me.accountId ?? 'no account'} · key ${session.me.keyId}`}>
                  {session.me.role === 'admin' ? 'Admin' : 'User'}
                  {session.me.accountId ? ` · ${session.me.accountId}` : ''}
                </span>
                <button type="button" className="secondary" onClick={session.signOut}>
                  Sign out
                </button>
              </>
            )}
          </div>
        </div>
      </header>
      <main id="main" ref={mainRef} className="container">
        {session.restoring ? (
          <Loading what="Checking your key" />
        ) : session.me ? (
          <Suspense fallback={<Loading />}>{current.page()}</Suspense>
        ) : route === 'pricing' ? (
          <Suspense fallback={<Loading />}>
            <PricingPage />
          </Suspense>
        ) : (
          <SignIn />
        )}
      </main>
    </>
  );
}

function ThemeToggle({ choice, onChange }: { choice: ThemeChoice; onChange: (choice: ThemeChoice) => void }) {
  const id = useId();
  return (
    <div className="inline-field">
      <label htmlFor={id} className="visually-hidden">
        Colour theme
      </label>
      <select id={id} value={choice} onChange={(e) => onChange(e.target.value as ThemeChoice)}>
        <option value="system">Theme: system</option>
        <option value="light">Theme: light</option>
        <option value="dark">Theme: dark</option>
      </select>
    </div>
  );
}

function SignIn() {
  const { signIn } = useSession();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  const hintId = useId();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(key);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card sign-in" aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Sign in to Tollgate
      </h1>
      <p>
        Tollgate is an AI gateway: one OpenAI-compatible API in front of many providers, every call billed in
        credits. Sign in with a Tollgate key (<code>tg-…</code>); an admin key also opens the provider and rate pages.
      </p>
      <form onSubmit={onSubmit} className="stack">
        <label htmlFor={inputId}>Tollgate API key</label>
        <input
          id={inputId}
          name="apiKey"
          type="password"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          placeholder="tg-…"
          autoComplete="off"
          spellCheck={false}
          required
          aria-describedby={hintId}
          aria-invalid={error ? true : undefined}
        />
        <p id={hintId} className="muted small">
          Kept only in this tab&apos;s session storage and sent only to this gateway.
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div>
          <button type="submit" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>
      <p className="muted small">
        Just looking? <a href="#/pricing">See what every model costs</a> — no key needed.
      </p>
    </section>
  );
}
