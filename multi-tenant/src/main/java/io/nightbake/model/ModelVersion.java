package io.nightbake.model;

import io.nightbake.tenant.TenantId;
import java.time.Instant;
import java.time.LocalDate;

/**
 * One trained model version and its lineage.
 *
 * @param championRmse the RMSE of the champion it was compared with, on the same holdout; null for a tenant's first model
 * @param comparedWith the champion version it was compared with; null for a tenant's first model
 * @param artifactPath where the model's files (ONNX graph, parameters) are stored
 * @param gateMetric the metric the promotion decision was taken on (rmse, ndcg or precision); null for versions
 *                   registered before it was recorded
 * @param ranking the version's own ranking metrics on the holdout; null when not computed or no customer had a
 *                relevant held-out product
 * @param championRanking the champion's ranking metrics on the same holdout; null for a tenant's first model
 * @param popularityRanking the popularity baseline's (most taken training products) on the same holdout
 */
public record ModelVersion(
        TenantId tenant,
        int version,
        LocalDate runDate,
        String templateName,
        int templateVersion,
        String algorithm,
        String hyperParameters,
        String trainFingerprint,
        long trainRows,
        long holdoutRows,
        double challengerRmse,
        Double championRmse,
        double baselineRmse,
        Integer comparedWith,
        Decision decision,
        String reason,
        String libraryVersions,
        String artifactPath,
        Instant startedAt,
        Instant finishedAt,
        String gateMetric,
        RankingMetrics ranking,
        RankingMetrics championRanking,
        RankingMetrics popularityRanking) implements java.io.Serializable {

    /** A version without ranking metrics (gated by RMSE). */
    public ModelVersion(TenantId tenant, int version, LocalDate runDate, String templateName, int templateVersion,
                        String algorithm, String hyperParameters, String trainFingerprint, long trainRows, long holdoutRows,
                        double challengerRmse, Double championRmse, double baselineRmse, Integer comparedWith,
                        Decision decision, String reason, String libraryVersions, String artifactPath, Instant startedAt,
                        Instant finishedAt) {
        this(tenant, version, runDate, templateName, templateVersion, algorithm, hyperParameters, trainFingerprint,
                trainRows, holdoutRows, challengerRmse, championRmse, baselineRmse, comparedWith, decision, reason,
                libraryVersions, artifactPath, startedAt, finishedAt, null, null, null, null);
    }

    /** PINNED: the challenger was recorded but not considered for promotion, because an operator pinned the champion. */
    public enum Decision { PROMOTED, REJECTED, PINNED }

    public boolean promoted() {
        return decision == Decision.PROMOTED;
    }
}
