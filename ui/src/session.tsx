import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { clearApiKey, loadApiKey, saveApiKey } from './api/apiKeyStore.ts';
import { getMe, type Me } from './api/client.ts';
import { describeError } from './api/http.ts';

export interface Session {
  key: string;
  me: Me | undefined;
  /** True while a stored key is being checked on page load. */
  restoring: boolean;
  signIn: (key: string) => Promise<void>;
  signOut: () => void;
  /** The account the usage and billing pages show: the caller's own, or the one an admin picked. */
  accountId: string | undefined;
  setAccountId: (id: string) => void;
}

const SessionContext = createContext<Session | undefined>(undefined);
const ACCOUNT_KEY = 'tollgate.account';

export function SessionProvider({ children }: { children: ReactNode }) {
  const [key, setKey] = useState(() => loadApiKey());
  const [me, setMe] = useState<Me>();
  const [restoring, setRestoring] = useState(() => loadApiKey() !== '');
  const [picked, setPicked] = useState(() => sessionStorage.getItem(ACCOUNT_KEY) ?? undefined);

  const signIn = useCallback(async (candidate: string) => {
    const trimmed = candidate.trim();
    if (trimmed === '') throw new Error('Enter a Tollgate API key.');
    // A Tollgate key, or a JWT from the configured issuer (the gateway accepts both as Bearer).
    if (!trimmed.startsWith('tg-') && trimmed.split('.').length !== 3) {
      throw new Error("A Tollgate key starts with 'tg-' (or paste a JWT from your identity provider).");
    }
    const { data } = await getMe(trimmed);
    saveApiKey(trimmed);
    setKey(trimmed);
    setMe(data);
  }, []);

  const signOut = useCallback(() => {
    clearApiKey();
    sessionStorage.removeItem(ACCOUNT_KEY);
    setKey('');
    setMe(undefined);
    setPicked(undefined);
  }, []);

  // A key kept from earlier in this tab: check it once.
  useEffect(() => {
    const stored = loadApiKey();
    if (stored === '') return;
    getMe(stored)
      .then(({ data }) => setMe(data))
      .catch((error: unknown) => {
        console.warn('stored key refused:', describeError(error));
        clearApiKey();
        setKey('');
      })
      .finally(() => setRestoring(false));
  }, []);

  const setAccountId = useCallback((id: string) => {
    sessionStorage.setItem(ACCOUNT_KEY, id);
    setPicked(id);
  }, []);

  const value = useMemo<Session>(
    () => ({
      key,
      me,
      restoring,
      signIn,
      signOut,
      accountId: me?.accountId ?? picked,
      setAccountId,
    }),
    [key, me, restoring, signIn, signOut, picked, setAccountId],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The signed-in session; only used inside pages that render after sign-in. */
export function useSignedIn(): Session & { me: Me } {
  const session = useSession();
  if (!session.me) throw new Error('not signed in');
  return session as Session & { me: Me };
}
