import { useCallback, useEffect, useRef, useState } from 'react';
import { fetchHealth, type Health } from './health.ts';
import { describeError, isAbort } from './http.ts';
import { fetchModels } from './models.ts';

export interface HealthCheck {
  /** Undefined until the first answer. */
  health: Health | undefined;
  checking: boolean;
  checkedAt: Date | undefined;
  refresh: () => void;
}

/** Polls GET /actuator/health every `pollMs` (0: only on mount and on refresh()). */
export function useHealth(pollMs = 30_000): HealthCheck {
  const [health, setHealth] = useState<Health>();
  const [checkedAt, setCheckedAt] = useState<Date>();
  const [checking, setChecking] = useState(true);
  const [round, setRound] = useState(0);
  const refresh = useCallback(() => setRound((n) => n + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setChecking(true);
    fetchHealth(controller.signal)
      .catch((error: unknown): Health | undefined =>
        isAbort(error) ? undefined : { state: 'UNREACHABLE', detail: describeError(error) },
      )
      .then((result) => {
        if (!result || controller.signal.aborted) return;
        setHealth(result);
        setCheckedAt(new Date());
        setChecking(false);
        if (pollMs > 0) timer = setTimeout(refresh, pollMs);
      });
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [round, pollMs, refresh]);

  return { health, checking, checkedAt, refresh };
}

export type ModelsState =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'loaded'; ids: string[] }
  | { status: 'error'; message: string };

/** Lists models with a given API key on demand; a newer load() cancels an older one. */
export function useModels(): {
  state: ModelsState;
  load: (apiKey: string) => void;
  reset: () => void;
} {
  const [state, setState] = useState<ModelsState>({ status: 'idle' });
  const inFlight = useRef<AbortController | null>(null);

  const reset = useCallback(() => {
    inFlight.current?.abort();
    inFlight.current = null;
    setState({ status: 'idle' });
  }, []);

  const load = useCallback((apiKey: string) => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    setState({ status: 'loading' });
    fetchModels(apiKey, controller.signal).then(
      (ids) => {
        if (!controller.signal.aborted) setState({ status: 'loaded', ids });
      },
      (error: unknown) => {
        if (!controller.signal.aborted && !isAbort(error)) {
          setState({ status: 'error', message: describeError(error) });
        }
      },
    );
  }, []);

  useEffect(() => () => inFlight.current?.abort(), []);

  return { state, load, reset };
}
