package io.nightbake.scoring;

import java.util.Map;
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
        return shared(cores <= 0 ? "local[*]" : "local[" + cores + "]", Map.of());
    }

    /**
     * Returns the shared session, creating it on first use for {@code master} (any master URL Spark accepts:
     * {@code local[N]}, {@code spark://host:port}, {@code yarn}, {@code k8s://...}) with Nightbake's defaults, then
     * {@code conf} on top (full {@code spark.*} keys; they win over the defaults). Later calls return the same
     * session, until {@link #stop()}.
     */
    public static synchronized SparkSession shared(String master, Map<String, String> conf) {
        if (session != null && !session.sparkContext().isStopped()) {
            return session;
        }
        boolean local = isLocal(master);
        int parallelism = localCores(master);
        SparkSession.Builder builder = SparkSession.builder()
                .appName("nightbake")
                .master(master)
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.adaptive.enabled", "true")
                .config("spark.sql.catalogImplementation", "in-memory")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.eventLog.enabled", "false");
        if (local) {
            // in-process: nothing needs to reach the driver from outside this machine
            builder.config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", String.valueOf(parallelism))
                    .config("spark.default.parallelism", String.valueOf(parallelism));
        }
        conf.forEach(builder::config);
        session = builder.getOrCreate();
        return session;
    }

    /** True for the in-process masters ({@code local}, {@code local[N]}, {@code local[*]}, {@code local[N,F]}). */
    public static boolean isLocal(String master) {
        return master.equals("local") || master.startsWith("local[");
    }

    /** The cores of a local master ({@code local[*]}: this machine's); 1 for anything else. */
    public static int localCores(String master) {
        if (master.startsWith("local[")) {
            String n = master.substring("local[".length(), master.indexOf(']') < 0 ? master.length() : master.indexOf(']'));
            n = n.contains(",") ? n.substring(0, n.indexOf(',')) : n;
            if (n.equals("*")) {
                return Runtime.getRuntime().availableProcessors();
            }
            try {
                return Math.max(1, Integer.parseInt(n.trim()));
            } catch (NumberFormatException e) {
                return 1;
            }
        }
        return 1;
    }

    /** Stops the shared session (the next {@link #local} creates a new one). */
    public static synchronized void stop() {
        if (session != null) {
            session.stop();
            session = null;
        }
    }
}
