package io.nightbake.scoring;

import org.apache.spark.sql.SparkSession;

/** The one SparkSession of the test JVM (local[2]); never stopped, the JVM exit ends it. */
final class TestSpark {

    private TestSpark() {
    }

    static SparkSession session() {
        return SparkSessions.local(2);
    }

    /** Waits until the listener bus has delivered every event posted so far (listeners are asynchronous). */
    static void drainListeners(SparkSession spark) {
        try {
            spark.sparkContext().listenerBus().waitUntilEmpty();
        } catch (Exception e) {
            throw new IllegalStateException("Spark listener bus did not drain", e);
        }
    }
}
