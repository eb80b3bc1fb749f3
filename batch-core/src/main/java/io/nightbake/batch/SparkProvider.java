package io.nightbake.batch;

import io.nightbake.scoring.SparkSessions;
import org.apache.spark.sql.SparkSession;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The Spark session for prebaking, created on first use (a lookup-only process never starts Spark):
 * {@code local[N]} in-process by default, N = {@code nightbake.spark.cores} or one per core.
 */
@Component
public class SparkProvider implements DisposableBean {

    private final int cores;

    public SparkProvider(@Value("${nightbake.spark.cores:0}") int cores) {
        this.cores = cores > 0 ? cores : Runtime.getRuntime().availableProcessors();
    }

    public SparkSession session() {
        return SparkSessions.local(cores);
    }

    /** How many Spark tasks the tenants are packed into. */
    public int slots() {
        return cores;
    }

    @Override
    public void destroy() {
        SparkSessions.stop();
    }
}
