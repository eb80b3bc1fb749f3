package io.nightbake.retrain.pipeline;

import io.nightbake.model.ModelVersion;
import io.nightbake.model.ModelVersions;
import io.nightbake.tenant.TenantId;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The model registry as a retraining task away from the database sees it (a Spark executor): the tenant's champion
 * and next version number as the driver read them, and registrations kept in order, numbered from that next version,
 * for the driver to write. Whatever the task does, and however often Spark retries it, nothing is registered until
 * the driver writes the one result that came back.
 */
public final class PendingRegistrations implements ModelVersions {

    private final TenantId tenant;
    private final ModelVersion champion;
    private int nextVersion;
    private final List<ModelVersion> registrations = new ArrayList<>();

    /**
     * @param champion    the tenant's champion when the night started, or null
     * @param nextVersion the number the tenant's next registered version gets (its highest number + 1)
     */
    public PendingRegistrations(TenantId tenant, ModelVersion champion, int nextVersion) {
        if (nextVersion < 1) {
            throw new IllegalArgumentException("tenant '" + tenant + "': next version must be at least 1, was " + nextVersion);
        }
        this.tenant = tenant;
        this.champion = champion;
        this.nextVersion = nextVersion;
    }

    @Override
    public Optional<ModelVersion> champion(TenantId tenant) {
        requireTenant(tenant);
        return Optional.ofNullable(champion);
    }

    /** Always empty: the driver sends a tenant to a task only when tonight's version is not registered yet. */
    @Override
    public Optional<ModelVersion> trainedOn(TenantId tenant, LocalDate runDate) {
        requireTenant(tenant);
        return Optional.empty();
    }

    @Override
    public ModelVersion register(ModelVersion v, String actor) {
        requireTenant(v.tenant());
        ModelVersion numbered = new ModelVersion(v.tenant(), nextVersion++, v.runDate(), v.templateName(),
                v.templateVersion(), v.algorithm(), v.hyperParameters(), v.trainFingerprint(), v.trainRows(), v.holdoutRows(),
                v.challengerRmse(), v.championRmse(), v.baselineRmse(), v.comparedWith(), v.decision(), v.reason(),
                v.libraryVersions(), v.artifactPath(), v.startedAt(), v.finishedAt(), v.gateMetric(), v.ranking(),
                v.championRanking(), v.popularityRanking());
        registrations.add(numbered);
        return numbered;
    }

    /** The versions to register, in order, with the numbers they must get. */
    public List<ModelVersion> registrations() {
        return List.copyOf(registrations);
    }

    private void requireTenant(TenantId other) {
        if (!tenant.equals(other)) {
            throw new IllegalArgumentException("registrations of tenant '" + tenant + "' asked about tenant '" + other + "'");
        }
    }
}
