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
        Instant finishedAt) {

    public enum Decision { PROMOTED, REJECTED }

    public boolean promoted() {
        return decision == Decision.PROMOTED;
    }
}
