package io.tollgate.views.projection;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Where a rebuild's time goes, per phase, summed over lanes; on with the JVM system property -Dtollgate.views.profile=true (a benchmark diagnostic). */
public final class Phases {
    public static final boolean ON = Boolean.getBoolean("tollgate.views.profile");
    private static final Map<String, LongAdder> NANOS = new ConcurrentHashMap<>();

    private Phases() {
    }

    public static long start() {
        return ON ? System.nanoTime() : 0;
    }

    public static long lap(String phase, long since) {
        if (!ON) {
            return 0;
        }
        long now = System.nanoTime();
        NANOS.computeIfAbsent(phase, p -> new LongAdder()).add(now - since);
        return now;
    }

    public static String report() {
        StringBuilder out = new StringBuilder();
        NANOS.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.append(String.format("  %-28s %8.2f s%n", e.getKey(), e.getValue().sum() / 1e9)));
        NANOS.clear();
        return out.toString();
    }
}
