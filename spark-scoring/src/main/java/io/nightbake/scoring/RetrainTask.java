package io.nightbake.scoring;

import io.nightbake.model.ModelVersion;
import java.io.Serializable;
import java.time.LocalDate;
import java.util.Objects;

/**
 * One tenant's retraining as a Spark task gets it: where its data is, the night, and what the driver read from the
 * registry (the champion and the next version number). Paths are strings every executor must be able to open.
 *
 * @param champion         the tenant's champion, or null before its first model
 * @param championServed   what the champion publishes (its ranking and training cutoff), or null
 * @param nextVersion      the number its next registered version gets
 * @param estimatedCost    the interactions file's size in bytes, used to pack tenants into Spark tasks
 * @param testsChallengers the tenant runs experiments (control mode ab or bandit): a challenger that passes the gate
 *                         is held for the experiment, not promoted (decided on the driver, which reads the registry)
 */
public record RetrainTask(String tenantId, String tenantDataDir, LocalDate runDate, ModelVersion champion,
                          io.nightbake.model.ServedRanking championServed, int nextVersion,
                          long estimatedCost, boolean testsChallengers) implements Serializable {

    private static final long serialVersionUID = 1L;

    public RetrainTask {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(tenantDataDir, "tenantDataDir");
        Objects.requireNonNull(runDate, "runDate");
    }
}
