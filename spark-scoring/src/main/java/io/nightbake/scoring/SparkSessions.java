package io.nightbake.scoring;

import org.apache.spark.sql.SparkSession;

/**
 * The in-process Spark session Nightbake uses by default: {@code local[cores]}, no web UI, a small footprint and
 * bound to the loopback interface. One per JVM: Spark allows a single active SparkContext per JVM.
 */
public final class SparkSessions {

    private static SparkSession session;

    private SparkSessions() {
    }

    /**
     * Returns the shared local session, creating it on first use with {@code local[cores]} ({@code local[*]} when
     * {@code cores <= 0}). Later calls return the same session whatever {@code cores} they pass, until
     * {@link #stop()}.
     */
    public static synchronized SparkSession local(int cores) {
        if (session != null && !session.sparkContext().isStopped()) {
            return session;
        }
        String master = cores <= 0 ? "local[*]" : "local[" + cores + "]";
        int parallelism = cores <= 0 ? Runtime.getRuntime().availableProcessors() : cores;
        session = SparkSession.builder()
                .appName("nightbake")
                .master(master)
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", String.valueOf(Math.max(1, parallelism)))
                .config("spark.default.parallelism", String.valueOf(Math.max(1, parallelism)))
                .config("spark.sql.adaptive.enabled", "true")
                .config("spark.sql.catalogImplementation", "in-memory")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.eventLog.enabled", "false")
                .getOrCreate();
        return session;
    }

    /** Stops the shared session (the next {@link #local} creates a new one). */
    public static synchronized void stop() {
        if (session != null) {
            session.stop();
            session = null;
        }
    }
}
