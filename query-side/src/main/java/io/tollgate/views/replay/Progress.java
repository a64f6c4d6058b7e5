package io.tollgate.views.replay;

import java.io.PrintStream;
import java.time.Duration;

/** A one-line progress bar on the terminal: done/total, events per second and the time left. */
public final class Progress {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 250_000_000L;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final long started = System.nanoTime();
    private final boolean terminal = System.console() != null;
    private long lastDrawn;

    public Progress(PrintStream out, String label, long total) {
        this.out = out;
        this.label = label;
        this.total = total;
    }

    /** The same bar for a total known only once the work begins. */
    public Progress withTotal(long newTotal) {
        return new Progress(out, label, newTotal);
    }

    public static Progress silent() {
        return new Progress(new PrintStream(PrintStream.nullOutputStream()), "", 0);
    }

    public void update(long done) {
        long now = System.nanoTime();
        // Without a terminal (a log file), a line every few seconds instead of a redrawn bar.
        if (now - lastDrawn < (terminal ? REDRAW_NANOS : 20 * REDRAW_NANOS)) {
            return;
        }
        lastDrawn = now;
        draw(done, now, false);
    }

    public void finish(long done) {
        draw(done, System.nanoTime(), true);
    }

    private void draw(long done, long now, boolean last) {
        double seconds = Math.max(1e-9, (now - started) / 1e9);
        double rate = done / seconds;
        double fraction = total == 0 ? 1 : Math.min(1, (double) done / total);
        int filled = (int) Math.round(fraction * WIDTH);
        String eta = rate <= 0 || done >= total ? "0:00" : clock(Duration.ofSeconds((long) ((total - done) / rate)));
        String line = String.format("%s [%s%s] %3d%%  %,d/%,d events  %,.0f events/s  %s left",
                label, "#".repeat(filled), "-".repeat(WIDTH - filled), Math.round(fraction * 100), done, total, rate, eta);
        if (terminal) {
            out.print("\r" + line + (last ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    private static String clock(Duration duration) {
        long s = duration.toSeconds();
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format("%d:%02d", s / 60, s % 60);
    }
}
