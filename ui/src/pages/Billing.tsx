import { useId, useState } from 'react';
import { formatCredits, formatDateTime, formatInt } from '../api/format.ts';
import { useAsync } from '../api/useAsync.ts';
import { balance, ledger, statement, statements, viewerTimeZone, type LedgerLine } from '../api/views.ts';
import { AccountPicker, Empty, ErrorNote, Loading, PageHeader, Section, Stat, Table } from '../components/ui.tsx';
import { useSignedIn } from '../session.tsx';

const POLL_MS = 4000;

export default function BillingPage() {
  const { accountId } = useSignedIn();
  return (
    <>
      <PageHeader title="Billing">
        <AccountPicker />
      </PageHeader>
      {accountId ? <BillingFor accountId={accountId} /> : <Empty>Choose an account to see its billing.</Empty>}
    </>
  );
}

function BillingFor({ accountId }: { accountId: string }) {
  const { key } = useSignedIn();
  const tz = viewerTimeZone();
  const bal = useAsync((s) => balance(key, accountId, s), [key, accountId], { pollMs: POLL_MS });
  const b = bal.data;
  return (
    <>
      <ErrorNote error={bal.error} />
      <Section title="Balance">
        {!b ? (
          <Loading />
        ) : (
          <>
            <dl className="stats" data-testid="billing-balance">
              <Stat label="Balance" value={formatCredits(b.balance)} testId="billing-balance-value" />
              <Stat
                label="Pending reservations"
                value={formatCredits(b.reserved)}
                hint={`${formatInt(b.openReservations)} open request${b.openReservations === 1 ? '' : 's'}`}
              />
              <Stat label="Available" value={formatCredits(b.available)} />
              <Stat label="Spend per day (7 days)" value={formatCredits(b.burnPerDay)} />
              <Stat
                label="Days remaining"
                value={b.estimatedDaysRemaining === null ? '—' : Number(b.estimatedDaysRemaining).toLocaleString(undefined, { maximumFractionDigits: 1 })}
                hint={b.estimatedDaysRemaining === null ? 'no recent spend' : 'at the recent rate'}
              />
            </dl>
            <p className="muted small">
              Granted {formatCredits(b.granted)} · debited {formatCredits(b.debited)} · refunded {formatCredits(b.refunded)} · expired{' '}
              {formatCredits(b.expired)} · adjusted {formatCredits(b.adjusted)}
              {b.closed ? ' · account closed' : ''}
            </p>
          </>
        )}
      </Section>
      <Ledger accountId={accountId} tz={tz} />
      <Statements accountId={accountId} tz={tz} />
    </>
  );
}

const KINDS = ['', 'granted', 'debited', 'refunded', 'expired', 'adjusted'];

function Ledger({ accountId, tz }: { accountId: string; tz: string }) {
  const { key } = useSignedIn();
  const [kind, setKind] = useState('');
  const [older, setOlder] = useState<LedgerLine[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const first = useAsync((s) => ledger(key, accountId, { kind, tz, limit: 25 }, s), [key, accountId, kind, tz], { pollMs: POLL_MS });
  const kindId = useId();
  const rows = [...(first.data?.rows ?? []), ...older.filter((o) => !first.data?.rows.some((r) => r.lineNo === o.lineNo))];
  const next = older.length > 0 ? cursor : (first.data?.next ?? null);

  async function loadMore() {
    if (!next) return;
    const page = await ledger(key, accountId, { kind, tz, limit: 25, cursor: next });
    setOlder((sofar) => [...sofar, ...page.rows]);
    setCursor(page.next);
  }

  return (
    <Section
      title="Ledger"
      actions={
        <div className="inline-field">
          <label htmlFor={kindId}>Kind</label>
          <select
            id={kindId}
            value={kind}
            onChange={(e) => {
              setOlder([]);
              setCursor(null);
              setKind(e.target.value);
            }}
          >
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k === '' ? 'All' : k}
              </option>
            ))}
          </select>
        </div>
      }
    >
      <ErrorNote error={first.error} />
      {!first.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>No credit movements yet.</Empty>
      ) : (
        <Table caption="Ledger lines, newest first">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Kind</th>
              <th scope="col" className="num">Amount</th>
              <th scope="col" className="num">Balance after</th>
              <th scope="col">Model</th>
              <th scope="col">Reference</th>
            </tr>
          </thead>
          <tbody data-testid="ledger-rows">
            {rows.map((l) => (
              <tr key={l.lineNo}>
                <td>{formatDateTime(l.occurredAt)}</td>
                <td>
                  {l.kind}
                  {l.source === 'PURCHASE' ? <span className="badge"> purchase</span> : null}
                </td>
                <td className={`num ${Number(l.amount) < 0 ? 'negative' : 'positive'}`}>{formatCredits(l.amount)}</td>
                <td className="num">{formatCredits(l.balance)}</td>
                <td>{l.model ? <code>{l.provider ? `${l.provider}/${l.model}` : l.model}</code> : '—'}</td>
                <td className="small">
                  {l.reference ? (
                    <span>
                      payment <code>{l.reference}</code>
                    </span>
                  ) : l.requestId ? (
                    <code>{l.requestId}</code>
                  ) : l.grantId ? (
                    <code>{l.grantId}</code>
                  ) : null}
                  {l.note ? <span className="muted"> {l.note}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {next && (
        <button type="button" className="secondary" onClick={loadMore}>
          Load older lines
        </button>
      )}
    </Section>
  );
}

function Statements({ accountId, tz }: { accountId: string; tz: string }) {
  const { key } = useSignedIn();
  const list = useAsync((s) => statements(key, accountId, tz, s), [key, accountId, tz]);
  const [month, setMonth] = useState<string>();
  const detail = useAsync((s) => statement(key, accountId, month!, tz, s), [key, accountId, month, tz], { enabled: !!month });
  return (
    <Section title="Monthly statements">
      <ErrorNote error={list.error ?? detail.error} />
      {!list.data ? (
        <Loading />
      ) : list.data.length === 0 ? (
        <Empty>No statements yet.</Empty>
      ) : (
        <Table caption="Monthly statements, newest first">
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col" className="num">Opening</th>
              <th scope="col" className="num">Granted</th>
              <th scope="col" className="num">Purchased</th>
              <th scope="col" className="num">Debited</th>
              <th scope="col" className="num">Refunded</th>
              <th scope="col" className="num">Expired</th>
              <th scope="col" className="num">Adjusted</th>
              <th scope="col" className="num">Closing</th>
              <th scope="col">
                <span className="visually-hidden">Details</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((s) => (
              <tr key={s.month}>
                <th scope="row">{s.month}</th>
                <td className="num">{formatCredits(s.opening)}</td>
                <td className="num">{formatCredits(s.granted)}</td>
                <td className="num">{formatCredits(s.purchased ?? 0)}</td>
                <td className="num">{formatCredits(s.debited)}</td>
                <td className="num">{formatCredits(s.refunded)}</td>
                <td className="num">{formatCredits(s.expired)}</td>
                <td className="num">{formatCredits(s.adjusted)}</td>
                <td className="num">{formatCredits(s.closing)}</td>
                <td>
                  <button type="button" className="link" aria-pressed={month === s.month} onClick={() => setMonth(month === s.month ? undefined : s.month)}>
                    {month === s.month ? 'Hide' : 'Details'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {month && detail.data && (
        <>
          <h3>{month}: purchases</h3>
          {(detail.data.purchases ?? []).length === 0 ? (
            <Empty>No purchases this month.</Empty>
          ) : (
            <ul className="plain" data-testid="statement-purchases">
              {detail.data.purchases.map((p) => (
                <li key={p.grantId}>
                  {formatDateTime(p.occurredAt)} — {formatCredits(p.credits)} credits bought
                  {p.reference ? (
                    <>
                      , payment <code>{p.reference}</code>
                    </>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          <h3>{month} by model</h3>
          {detail.data.byModel.length === 0 ? (
            <Empty>No debits this month.</Empty>
          ) : (
            <ul className="plain">
              {detail.data.byModel.map((m) => (
                <li key={`${m.provider}/${m.model}`}>
                  <code>
                    {m.provider}/{m.model}
                  </code>{' '}
                  — {formatInt(m.debits)} debits, {formatCredits(m.credits)} credits
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Section>
  );
}
