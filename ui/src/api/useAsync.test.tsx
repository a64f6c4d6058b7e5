// @vitest-environment jsdom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useAsync, type AsyncState } from './useAsync.ts';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let container: HTMLDivElement;
let root: Root;
let latest: AsyncState<string> | undefined;

function Probe({ load, dep, pollMs }: { load: (signal: AbortSignal) => Promise<string>; dep: string; pollMs?: number }) {
  latest = useAsync(load, [dep], pollMs === undefined ? {} : { pollMs });
  return null;
}

beforeEach(() => {
  container = document.createElement('div');
  root = createRoot(container);
  latest = undefined;
});

afterEach(() => {
  act(() => root.unmount());
  vi.useRealTimers();
});

const flush = () => act(async () => {});

describe('useAsync', () => {
  it('loads, then keeps the data while reloading, and reports an error beside it', async () => {
    const load = vi.fn<(signal: AbortSignal) => Promise<string>>().mockResolvedValueOnce('one').mockRejectedValueOnce(new Error('boom'));
    act(() => root.render(<Probe load={load} dep="a" />));
    expect(latest?.loading).toBe(true);
    await flush();
    expect(latest).toMatchObject({ data: 'one', error: undefined, loading: false });

    act(() => latest!.reload());
    expect(latest).toMatchObject({ data: 'one', loading: true });
    await flush();
    expect(latest).toMatchObject({ data: 'one', error: 'boom', loading: false });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('aborts the older load when a dependency changes, and ignores its answer', async () => {
    const signals: AbortSignal[] = [];
    const resolvers: ((value: string) => void)[] = [];
    const load = (signal: AbortSignal) => {
      signals.push(signal);
      return new Promise<string>((resolve) => resolvers.push(resolve));
    };
    act(() => root.render(<Probe load={load} dep="a" />));
    act(() => root.render(<Probe load={load} dep="b" />));
    expect(signals[0]!.aborted).toBe(true);
    resolvers[0]!('stale');
    resolvers[1]!('fresh');
    await flush();
    expect(latest?.data).toBe('fresh');
  });

  it('polls every pollMs and stops on unmount', async () => {
    vi.useFakeTimers();
    let n = 0;
    const load = vi.fn(async () => `v${++n}`);
    act(() => root.render(<Probe load={load} dep="a" pollMs={1000} />));
    await flush();
    expect(latest?.data).toBe('v1');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1000);
    });
    expect(latest?.data).toBe('v2');
    act(() => root.unmount());
    root = createRoot(container);
    await vi.advanceTimersByTimeAsync(5000);
    expect(load).toHaveBeenCalledTimes(2);
  });
});
