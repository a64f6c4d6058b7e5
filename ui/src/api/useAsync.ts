import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError, isAbort } from './http.ts';

export interface AsyncState<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  /** Loads again now (keeping the data shown meanwhile). */
  reload: () => void;
}

/**
 * Runs `load` when a dependency changes, on reload(), and every `pollMs` if given; a newer run aborts
 * an older one, and an unmount aborts all. The last data stays shown while a new load runs, so a poll
 * never blanks the page; an error is kept beside it until a later load succeeds.
 */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
  options: { pollMs?: number; enabled?: boolean } = {},
): AsyncState<T> {
  const { pollMs = 0, enabled = true } = options;
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(enabled);
  const [round, setRound] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  const reload = useCallback(() => setRound((n) => n + 1), []);

  useEffect(() => {
    if (!enabled) {
      setLoading(false);
      return;
    }
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setLoading(true);
    loader
      .current(controller.signal)
      .then(
        (value) => {
          if (controller.signal.aborted) return;
          setData(value);
          setError(undefined);
        },
        (failure: unknown) => {
          if (controller.signal.aborted || isAbort(failure)) return;
          setError(describeError(failure));
        },
      )
      .finally(() => {
        if (controller.signal.aborted) return;
        setLoading(false);
        if (pollMs > 0) timer = setTimeout(reload, pollMs);
      });
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round, pollMs, enabled, reload]);

  return { data, error, loading, reload };
}
