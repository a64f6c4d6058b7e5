import { describe, expect, it } from 'vitest';
import { formatChange, formatCredits, formatMillis } from './format.ts';

describe('format', () => {
  it('shows the change against the previous period with its direction', () => {
    expect(formatChange(12.5)).toEqual({ text: '+12.5%', trend: 'up' });
    expect(formatChange(-3)).toEqual({ text: '−3%', trend: 'down' });
    expect(formatChange(0)).toEqual({ text: '0%', trend: 'flat' });
    expect(formatChange(null)).toEqual({ text: 'new', trend: 'new' });
  });

  it('keeps micro-credits visible', () => {
    expect(formatCredits(0.000125)).toMatch(/0[.,]000125/);
    expect(formatCredits(null)).toBe('—');
  });

  it('switches to seconds for long durations', () => {
    expect(formatMillis(12_345)).toBe('12.3 s');
    expect(formatMillis(null)).toBe('—');
  });
});
