package io.nightbake.retrain.pipeline;

import io.nightbake.model.ModelVersion;
import io.nightbake.model.ModelVersions;
import io.nightbake.model.ServedRanking;
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
    private final ServedRanking championServed;
    private int nextVersion;
    private final List<Registration> registrations = new ArrayList<>();

    /** A version to register and what it publishes (null when not recorded). */
    public record Registration(ModelVersion version, ServedRanking served) implements java.io.Serializable {
    }

    /**
     * @param champion       the tenant's champion when the night started, or null
     * @param championServed what the champion publishes, as the driver read it, or null
     * @param nextVersion    the number the tenant's next registered version gets (its highest number + 1)
     */
    public PendingRegistrations(TenantId tenant, ModelVersion champion, ServedRanking championServed, int nextVersion) {
        if (nextVersion < 1) {
            throw new IllegalArgumentException("tenant '" + tenant + "': next version must be at least 1, was " + nextVersion);
        }
        this.tenant = tenant;
        this.champion = champion;
        this.championServed = championServed;
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
        return register(v, actor, null);
    }

    @Override
    public ModelVersion register(ModelVersion v, String actor, ServedRanking served) {
        requireTenant(v.tenant());
        ModelVersion numbered = new ModelVersion(v.tenant(), nextVersion++, v.runDate(), v.templateName(),
                v.templateVersion(), v.algorithm(), v.hyperParameters(), v.trainFingerprint(), v.trainRows(), v.holdoutRows(),
                v.challengerRmse(), v.championRmse(), v.baselineRmse(), v.comparedWith(), v.decision(), v.reason(),
                v.libraryVersions(), v.artifactPath(), v.startedAt(), v.finishedAt(), v.gateMetric(), v.ranking(),
                v.championRanking(), v.popularityRanking());
        registrations.add(new Registration(numbered, served));
        return numbered;
    }

    @Override
    public Optional<ServedRanking> servedRanking(TenantId tenant, int version) {
        requireTenant(tenant);
        if (champion != null && champion.version() == version) {
            return Optional.ofNullable(championServed);
        }
        return registrations.stream().filter(r -> r.version().version() == version).findFirst()
                .map(Registration::served);
    }

    /** The versions to register, in order, with the numbers they must get. */
    public List<Registration> registrations() {
        return List.copyOf(registrations);
    }

    private void requireTenant(TenantId other) {
        if (!tenant.equals(other)) {
            throw new IllegalArgumentException("registrations of tenant '" + tenant + "' asked about tenant '" + other + "'");
        }
    }
}
