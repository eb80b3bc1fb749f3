package io.nightbake.scoring;

import io.nightbake.config.BusinessRules;
import io.nightbake.config.Feature;
import io.nightbake.experiment.ArmTable;

import java.io.Serializable;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;

/**
 * One tenant's prebake: score every current customer against every current product with the champion model,
 * apply the rules, keep the top {@code k} and write {@code outputFile} ({@link RecommendationsFile} format).
 * Serializable and free of {@code java.nio.file.Path} so it can travel to Spark executors; paths are plain strings
 * that every executor must be able to open (a local or shared file system).
 *
 * @param tenantId       the tenant's id (the {@code TenantId} rules apply; checked when scoring)
 * @param tenantDataDir  the tenant's input folder (customers, products, interactions Parquet)
 * @param modelDir       the champion model version's folder ({@code ModelArtifacts})
 * @param modelVersion   the champion's version number, written to every output row
 * @param runDate        the nightly run's date, written to every output row
 * @param rules          the tenant's business rules
 * @param features       the template's features (how customers and products are encoded for the model)
 * @param k              list length per customer, at least 1 (capped at the product count)
 * @param outputFile     the tenant's Parquet file in the run's staging area (replaced atomically)
 * @param estimatedPairs customers x products, used to pack tenants into Spark tasks (0 when unknown)
 * @param arms           null, or the tenant's experiment arm table: then only the customers {@code arms} assigns to
 *                       {@code arm} are scored, and the rows carry the arm column
 * @param arm            the arm this task scores (with {@code arms})
 */
public record ScoringTask(
        String tenantId,
        String tenantDataDir,
        String modelDir,
        int modelVersion,
        LocalDate runDate,
        ScoringRules rules,
        List<Feature> features,
        int k,
        String outputFile,
        long estimatedPairs,
        ArmTable arms,
        String arm) implements Serializable {

    private static final long serialVersionUID = 1L;

    public ScoringTask {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(tenantDataDir, "tenantDataDir");
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(runDate, "runDate");
        Objects.requireNonNull(rules, "rules");
        features = List.copyOf(features);
        Objects.requireNonNull(outputFile, "outputFile");
        if (k < 1) {
            throw new IllegalArgumentException("tenant '" + tenantId + "': k must be at least 1, was " + k);
        }
        if (estimatedPairs < 0) {
            throw new IllegalArgumentException("tenant '" + tenantId + "': estimatedPairs must be >= 0, was " + estimatedPairs);
        }
        if (arms != null && (arm == null || arms.arm(arm) == null)) {
            throw new IllegalArgumentException("tenant '" + tenantId + "': arm '" + arm + "' is not in the arm table " + arms);
        }
    }

    /** A task without experiment arms. */
    public ScoringTask(String tenantId, String tenantDataDir, String modelDir, int modelVersion, LocalDate runDate,
                       ScoringRules rules, List<Feature> features, int k, String outputFile, long estimatedPairs) {
        this(tenantId, tenantDataDir, modelDir, modelVersion, runDate, rules, features, k, outputFile, estimatedPairs,
                null, null);
    }

    /** The same tenant's lists for one experiment arm: its model, its customers only, into {@code output}. */
    public ScoringTask forArm(ArmTable table, ArmTable.Arm arm, String armModelDir, String output) {
        return new ScoringTask(tenantId, tenantDataDir, armModelDir, arm.modelVersion(), runDate, rules, features, k, output,
                estimatedPairs, table, arm.name());
    }

    /** Convenience for callers holding the config record. */
    public ScoringTask(String tenantId, String tenantDataDir, String modelDir, int modelVersion, LocalDate runDate,
                       BusinessRules rules, List<Feature> features, int k, String outputFile, long estimatedPairs) {
        this(tenantId, tenantDataDir, modelDir, modelVersion, runDate, ScoringRules.of(rules), features, k, outputFile,
                estimatedPairs);
    }

    /** A copy with another size estimate (e.g. from the customer and product counts of the last run). */
    public ScoringTask withEstimatedPairs(long pairs) {
        return new ScoringTask(tenantId, tenantDataDir, modelDir, modelVersion, runDate, rules, features, k, outputFile,
                pairs, arms, arm);
    }
}
