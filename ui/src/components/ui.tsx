import { useId, type ReactNode } from 'react';
import { formatChange } from '../api/format.ts';
import { adminAccounts } from '../api/views.ts';
import { useAsync } from '../api/useAsync.ts';
import { useSignedIn } from '../session.tsx';

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1 id="page-title" tabIndex={-1}>
        {title}
      </h1>
      {children && <div className="page-actions">{children}</div>}
    </div>
  );
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const id = useId();
  return (
    <section className="card" aria-labelledby={id}>
      <div className="card-head">
        <h2 id={id}>{title}</h2>
        {actions && <div className="card-actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}

export function Stat({
  label,
  value,
  change,
  hint,
  testId,
}: {
  label: string;
  value: ReactNode;
  change?: number | null | undefined;
  hint?: ReactNode;
  testId?: string;
}) {
  const delta = change === undefined ? undefined : formatChange(change);
  return (
    <div className="stat" data-testid={testId}>
      <dt>{label}</dt>
      <dd>
        <span className="stat-value">{value}</span>
        {delta && (
          <span className={`delta delta-${delta.trend}`} title="Change against the previous period of the same length">
            <span className="visually-hidden">change against the previous period: </span>
            {delta.text}
          </span>
        )}
        {hint && <span className="stat-hint">{hint}</span>}
      </dd>
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="muted" role="status">
      {what}…
    </p>
  );
}

export function ErrorNote({ error }: { error: string | undefined }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="muted empty">{children}</p>;
}

/** A table that scrolls sideways on narrow screens instead of breaking the layout. */
export function Table({ caption, children }: { caption: string; children: ReactNode }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table>
        <caption className="visually-hidden">{caption}</caption>
        {children}
      </table>
    </div>
  );
}

/**
 * Whose usage and billing to show: a user key sees its own account; an admin key without an account
 * picks one of every account the views know.
 */
export function AccountPicker() {
  const { key, me, accountId, setAccountId } = useSignedIn();
  const needsPicker = me.role === 'admin' && !me.accountId;
  const accounts = useAsync((signal) => adminAccounts(key, 500, signal), [key], { enabled: needsPicker });
  const id = useId();
  if (!needsPicker) return <span className="muted small">Account <code>{me.accountId}</code></span>;
  return (
    <div className="inline-field">
      <label htmlFor={id}>Account</label>
      <select id={id} value={accountId ?? ''} onChange={(e) => setAccountId(e.target.value)}>
        <option value="" disabled>
          {accounts.loading ? 'Loading…' : 'Choose an account'}
        </option>
        {(accounts.data ?? []).map((a) => (
          <option key={a.accountId} value={a.accountId}>
            {a.displayName ? `${a.displayName} (${a.accountId})` : a.accountId}
          </option>
        ))}
      </select>
      <ErrorNote error={accounts.error} />
    </div>
  );
}
