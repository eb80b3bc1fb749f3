package io.nightbake.model;

import io.nightbake.tenant.TenantId;
import java.time.LocalDate;
import java.util.Optional;

/**
 * What retraining one tenant needs from the model registry: its champion, whether tonight's version exists, and
 * registering a version. {@link ModelRegistry} is the database; a Spark task gets a stand-in that collects the
 * registrations for the driver to write (executors need no database).
 */
public interface ModelVersions {

    Optional<ModelVersion> champion(TenantId tenant);

    /** The version trained for {@code runDate}, if that night's retraining already finished for the tenant. */
    Optional<ModelVersion> trainedOn(TenantId tenant, LocalDate runDate);

    /** Stores {@code candidate} under the tenant's next version number and returns it with that number. */
    ModelVersion register(ModelVersion candidate, String actor);

    /** As {@link #register(ModelVersion, String)}, with what the version publishes (null: not recorded). */
    ModelVersion register(ModelVersion candidate, String actor, ServedRanking served);

    /** What version {@code version} of the tenant publishes, when it was recorded. */
    Optional<ServedRanking> servedRanking(TenantId tenant, int version);
}
