import { listPricedModels, listProviders, listRates } from '../api/client.ts';
import { formatCredits, formatInt, formatMillis } from '../api/format.ts';
import { useAsync } from '../api/useAsync.ts';
import { adminOverview, balance, usageSummary, viewerTimeZone } from '../api/views.ts';
import { ErrorNote, Loading, PageHeader, Section, Stat } from '../components/ui.tsx';
import { useSignedIn } from '../session.tsx';

interface Step {
  label: string;
  done: boolean;
  detail: string;
  href: string;
}

export default function OverviewPage() {
  const { me } = useSignedIn();
  return (
    <>
      <PageHeader title="Overview" />
      {me.role === 'admin' ? <AdminOverview /> : null}
      {me.accountId ? <AccountOverview accountId={me.accountId} /> : null}
    </>
  );
}

function Checklist({ steps }: { steps: Step[] }) {
  const done = steps.filter((s) => s.done).length;
  return (
    <Section title={`Setup checklist (${done} of ${steps.length})`}>
      <ol className="checklist">
        {steps.map((step) => (
          <li key={step.label} className={step.done ? 'done' : 'todo'}>
            <span className="check" aria-hidden="true">
              {step.done ? '✓' : '○'}
            </span>
            <span>
              <a href={step.href}>{step.label}</a>
              <span className="visually-hidden">{step.done ? ' (done)' : ' (to do)'}</span>
              <span className="muted small"> — {step.detail}</span>
            </span>
          </li>
        ))}
      </ol>
    </Section>
  );
}

function AdminOverview() {
  const { key } = useSignedIn();
  const tz = viewerTimeZone();
  const providers = useAsync((s) => listProviders(key, s).then((r) => r.data), [key]);
  const rates = useAsync((s) => listRates(key, s).then((r) => r.data), [key]);
  const overview = useAsync((s) => adminOverview(key, { tz }, s), [key, tz]);

  const credentials = (providers.data ?? []).flatMap((p) => p.credentials);
  const active = credentials.filter((c) => c.status === 'active');
  const steps: Step[] = [
    {
      label: 'Register a provider',
      done: (providers.data ?? []).length > 0,
      detail: `${(providers.data ?? []).length} registered`,
      href: '#/providers',
    },
    {
      label: 'Add a working credential',
      done: active.length > 0,
      detail: `${active.length} active of ${credentials.length}`,
      href: '#/providers',
    },
    {
      label: 'Price the models',
      done: (rates.data ?? []).length > 0,
      detail: `${(rates.data ?? []).length} models with a rate`,
      href: '#/rates',
    },
    {
      label: 'Grant credits to an account',
      done: Number(overview.data?.totals.granted ?? 0) > 0,
      detail: `${formatCredits(overview.data?.totals.granted ?? 0)} credits granted over ${formatInt(overview.data?.totals.accounts ?? 0)} accounts (POST /admin/accounts/{id}/grants)`,
      href: '#/billing',
    },
  ];
  const t = overview.data?.totals;
  const p = overview.data?.period;
  return (
    <>
      {providers.loading && !providers.data ? <Loading /> : <Checklist steps={steps} />}
      <ErrorNote error={providers.error ?? rates.error ?? overview.error} />
      {t && p && (
        <Section title="All accounts, last 30 days">
          <dl className="stats">
            <Stat label="Requests" value={formatInt(p.requests)} />
            <Stat label="Credits spent" value={formatCredits(p.credits)} />
            <Stat label="Failed" value={formatInt(p.failed)} />
            <Stat label="Latency p95" value={formatMillis(p.latencyMillis.p95)} />
            <Stat label="Accounts" value={formatInt(t.accounts)} />
            <Stat label="Outstanding balance" value={formatCredits(t.balance)} />
            <Stat label="Reserved now" value={formatCredits(t.reserved)} />
          </dl>
          {overview.data!.topAccounts.length > 0 && (
            <>
              <h3>Top accounts</h3>
              <ul className="plain">
                {overview.data!.topAccounts.map((a) => (
                  <li key={a.accountId}>
                    <code>{a.accountId}</code> {a.displayName ? `(${a.displayName})` : ''} — {formatInt(a.requests)}{' '}
                    requests, {formatCredits(a.credits)} credits
                  </li>
                ))}
              </ul>
            </>
          )}
        </Section>
      )}
    </>
  );
}

function AccountOverview({ accountId }: { accountId: string }) {
  const { key, me } = useSignedIn();
  const tz = viewerTimeZone();
  const models = useAsync((s) => listPricedModels(key, s), [key], { enabled: me.scopes.includes('chat') });
  const bal = useAsync((s) => balance(key, accountId, s), [key, accountId]);
  const summary = useAsync((s) => usageSummary(key, accountId, { tz }, s), [key, accountId, tz]);
  const steps: Step[] = [
    {
      label: 'Models available to this key',
      done: (models.data ?? []).length > 0,
      detail: `${(models.data ?? []).length} priced models`,
      href: '#/pricing',
    },
    {
      label: 'Credits on the account',
      done: Number(bal.data?.available ?? 0) > 0,
      detail: `${formatCredits(bal.data?.available)} available`,
      href: '#/billing',
    },
    {
      label: 'Make a first request',
      done: (summary.data?.current.requests ?? 0) > 0,
      detail: 'try the playground',
      href: '#/playground',
    },
  ];
  const c = summary.data?.current;
  return (
    <>
      {me.role !== 'admin' && <Checklist steps={steps} />}
      <ErrorNote error={bal.error ?? summary.error ?? models.error} />
      <Section title={`Account ${accountId}, last 30 days`}>
        {!c || !bal.data ? (
          <Loading />
        ) : (
          <dl className="stats">
            <Stat label="Balance" value={formatCredits(bal.data.balance)} testId="overview-balance" />
            <Stat label="Available" value={formatCredits(bal.data.available)} />
            <Stat label="Requests" value={formatInt(c.requests)} change={summary.data!.change.requests} />
            <Stat label="Credits spent" value={formatCredits(c.credits)} change={summary.data!.change.credits} />
            <Stat label="Output tokens" value={formatInt(c.outputTokens)} change={summary.data!.change.outputTokens} />
            <Stat label="Latency p50" value={formatMillis(c.latencyMillis.p50)} />
          </dl>
        )}
      </Section>
    </>
  );
}
