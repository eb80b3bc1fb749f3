package io.nightbake.batch;

import io.nightbake.client.ServingFile;
import io.nightbake.experiment.ArmTable;
import io.nightbake.scoring.RecommendationsFile;
import io.nightbake.serving.TenantSnapshotIndex;
import io.nightbake.NightbakeProperties;
import io.nightbake.serving.ServingService;
import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.stereotype.Component;

/**
 * The publish phase for one tenant. The prebaked file moves from staging into the tenant's snapshot folder, then one
 * transaction points the tenant at it; the serving index loads it before swapping, so readers see the previous lists
 * or the new ones, never a mix and never nothing. A tenant whose prebake failed keeps serving its current snapshot;
 * an OFF tenant is unpublished. Publishing is idempotent, so a rerun never publishes twice.
 */
@Component
public class SnapshotPublisher {

    private final JobRepository jobRepository;
    private final TenantRegistry tenants;
    private final SnapshotRegistry snapshots;
    private final ServingService serving;
    private final NightbakeProperties properties;
    private final Clock clock;

    public SnapshotPublisher(JobRepository jobRepository, TenantRegistry tenants, SnapshotRegistry snapshots,
                             ServingService serving, NightbakeProperties properties, Clock clock) {
        this.jobRepository = jobRepository;
        this.tenants = tenants;
        this.snapshots = snapshots;
        this.serving = serving;
        this.properties = properties;
        this.clock = clock;
    }

    /** Publishes what tonight's prebake produced for {@code tenant}; returns a line for the run report. */
    public String publish(TenantId tenant, LocalDate runDate, JobInstance run) {
        if (tenants.get(tenant).state() == TenantState.OFF) {
            boolean was = snapshots.unpublish(tenant, "nightly", "tenant is OFF");
            serving.unpublished(tenant);
            return was ? "unpublished (OFF)" : "not published (OFF)";
        }
        StepExecution prebake = jobRepository.getLastStepExecution(run, NightlyJobConfig.PREBAKE_WORKER + ":" + tenant.value());
        if (prebake == null || prebake.getStatus() != BatchStatus.COMPLETED
                || !prebake.getExecutionContext().containsKey(PrebakePartitionHandler.STAGED_FILE)) {
            return snapshots.current(tenant).map(s -> "nothing new: keeps serving " + s.snapshotId()).orElse("nothing to publish");
        }
        ExecutionContext prebaked = prebake.getExecutionContext();
        String snapshotId = runDate + "-p" + prebake.getId();
        if (snapshots.current(tenant).filter(s -> s.snapshotId().equals(snapshotId)).isPresent()) {
            return "already published " + snapshotId;
        }
        Path staged = Path.of(prebaked.getString(PrebakePartitionHandler.STAGED_FILE));
        Path target = properties.snapshotsDir().resolve(tenant.value()).resolve(snapshotId).resolve(RecommendationsFile.FILE_NAME);
        moveIntoPlace(staged, target);
        Instant builtAt = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        // the serving file beside the Parquet: servers map it instead of parsing (a broken file fails this publish)
        TenantSnapshotIndex.load(target, snapshotId, builtAt).writeServingFile(ServingFile.beside(target));
        Snapshot snapshot = new Snapshot(tenant, snapshotId, runDate, prebaked.getInt(PrebakePartitionHandler.MODEL_VERSION),
                target.toAbsolutePath().toString(), prebaked.getInt(PrebakePartitionHandler.CUSTOMERS),
                prebaked.getLong(PartitionResults.ROWS), builtAt);
        // a later night published first: its lists stay (the registry keeps this one for rollback, or drops it)
        boolean laterServed = snapshots.current(tenant).filter(s -> s.runDate().isAfter(runDate)).isPresent();
        if (!laterServed) {
            serving.prepare(snapshot);
        }
        ArmTable arms = prebaked.containsKey(PrebakePartitionHandler.ARMS)
                ? ArmTable.parse(prebaked.getString(PrebakePartitionHandler.ARMS)) : null;
        // the snapshot and its arm table in one transaction: never arms without their table, or the reverse
        List<Snapshot> dropped = snapshots.publish(snapshot, arms, "nightly", "nightly run " + runDate);
        dropped.forEach(SnapshotPublisher::deleteFolder);
        Snapshot served = snapshots.current(tenant).orElse(snapshot);
        if (laterServed || !served.snapshotId().equals(snapshotId)) {
            return "kept " + snapshotId + ": serves " + served.snapshotId() + " of the later night " + served.runDate();
        }
        serving.published(snapshot);
        return "published " + snapshotId + (arms == null ? "" : " with arms " + arms.arms().stream()
                .map(a -> String.format(java.util.Locale.ROOT, "%s=v%d %.0f%%", a.name(), a.modelVersion(), 100 * a.share()))
                .toList());
    }

    private static void moveIntoPlace(Path staged, Path target) {
        try {
            if (Files.exists(staged)) {
                Files.createDirectories(target.getParent());
                Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else if (!Files.exists(target)) {
                throw new IllegalStateException("the prebaked file " + staged + " is missing; rerun the night to prebake again");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + staged + " to " + target + ": " + e.getMessage(), e);
        }
    }

    private static void deleteFolder(Snapshot snapshot) {
        Path folder = Path.of(snapshot.path()).getParent();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // retention is housekeeping: a folder left behind costs disk, not correctness
        }
    }
}
