package io.tollgate.views.projection;

import java.util.UUID;

/**
 * The event ids of the last {@code capacity} events applied from one partition, for telling an at-least-once
 * duplicate that arrives close behind its original (the gateway's spill/republish path) from a new event
 * (I4), without a row per event in the database. Records before the stored position are never read again
 * (positions are committed with the views), so this window only has to cover duplicates within the log.
 *
 * <p>Count-based, not time-based, so it is a pure function of the partition's log: a replay from offset 0
 * and a live consumer (which refills the window from the records before its stored position when it starts)
 * make the same decisions (I3). About 24 bytes per id: a ring of the ids in arrival order and an
 * open-addressing table (linear probing, backward-shift deletion) of positions in the ring.
 */
public final class DedupeWindow {
    private final int capacity;
    private final long[] most;
    private final long[] least;
    private final int[] table;
    private final int mask;
    private int head;
    private int size;

    public DedupeWindow(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.capacity = capacity;
        this.most = new long[capacity];
        this.least = new long[capacity];
        int slots = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) << 1;
        this.table = new int[slots];
        this.mask = slots - 1;
    }

    public int capacity() {
        return capacity;
    }

    public int size() {
        return size;
    }

    public boolean contains(UUID id) {
        long m = id.getMostSignificantBits(), l = id.getLeastSignificantBits();
        for (int i = home(m, l); table[i] != 0; i = (i + 1) & mask) {
            int at = table[i] - 1;
            if (most[at] == m && least[at] == l) {
                return true;
            }
        }
        return false;
    }

    /** Remembers an id (the caller checked it is not there), forgetting the oldest one when full. */
    public void add(UUID id) {
        if (size == capacity) {
            removeSlotOf(head);
        } else {
            size++;
        }
        long m = id.getMostSignificantBits(), l = id.getLeastSignificantBits();
        most[head] = m;
        least[head] = l;
        int i = home(m, l);
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = head + 1;
        head = head + 1 == capacity ? 0 : head + 1;
    }

    public void clear() {
        java.util.Arrays.fill(table, 0);
        head = 0;
        size = 0;
    }

    private void removeSlotOf(int ringIndex) {
        int i = home(most[ringIndex], least[ringIndex]);
        while (table[i] != ringIndex + 1) {
            i = (i + 1) & mask;
        }
        // Backward-shift deletion: pull later entries of the probe run into the gap where they may live.
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            if (table[j] == 0) {
                break;
            }
            int at = table[j] - 1;
            int k = home(most[at], least[at]);
            boolean staysPut = i <= j ? (i < k && k <= j) : (i < k || k <= j);
            if (!staysPut) {
                table[i] = table[j];
                i = j;
            }
        }
        table[i] = 0;
    }

    private int home(long m, long l) {
        long h = m * 0x9E3779B97F4A7C15L ^ l * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 29;
        return (int) h & mask;
    }
}
