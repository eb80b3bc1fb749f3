package io.nightbake.console;

import io.nightbake.admin.AdminException;
import io.nightbake.admin.TenantAdminService;
import io.nightbake.batch.NightlyJobConfig;
import io.nightbake.model.ChampionChange;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.model.RankingMetrics;
import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.Tenant;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.stereotype.Service;

/**
 * What the console's tenant page shows, readable with the tenant's own key: state and its history, the champion and
 * its lineage, every night's figures for champion and challenger with promotions, pins and rollbacks, kept snapshots,
 * and the tenant's partitions of the latest night with their errors in full. No API keys and nothing of other tenants.
 *
 * <p>Names are those of the run report: a {@code champion} is always a model (its version and its figures live
 * inside it), never a number.
 */
@Service
public class TenantConsoleService {

    private final TenantRegistry tenants;
    private final ModelRegistry models;
    private final SnapshotRegistry snapshots;
    private final JobRepository jobRepository;
    private final FleetConsoleService fleet;

    public TenantConsoleService(TenantRegistry tenants, ModelRegistry models, SnapshotRegistry snapshots,
                                JobRepository jobRepository, FleetConsoleService fleet) {
        this.tenants = tenants;
        this.models = models;
        this.snapshots = snapshots;
        this.jobRepository = jobRepository;
        this.fleet = fleet;
    }

    /** A model's figures on one night's holdout; {@code ndcgAt10} is NDCG at the template's k (10 by default). */
    public record Figures(Integer version, Double rmse, Double ndcgAt10) {
    }

    /**
     * One night's retraining: the challenger trained that night and the champion it was compared with, on the same
     * holdout, the popularity list's NDCG there, and the gate's decision.
     */
    public record NightFigures(LocalDate runDate, String gateMetric, Integer k, Figures challenger, Figures champion,
                               Double popularityNdcgAt10, Double baselineRmse, String decision, String reason) {
    }

    /**
     * A change of the champion: {@code kind} is {@code promotion} (by the nightly gate), {@code pin} or {@code rollback};
     * {@code night} is the run date it belongs to on the per-night plots (the promoted version's night; for a pin or a
     * rollback the latest night up to the day it was made).
     */
    public record ChampionEvent(String kind, Integer from, int to, Instant at, LocalDate night, String by, String reason) {
    }

    public record StateChange(TenantState from, TenantState to, Instant at, String by, String reason) {
    }

    public record Lineage(int version, LocalDate runDate, String algorithm, String templateName, int templateVersion,
                          String hyperParameters, String trainFingerprint, long trainRows, long holdoutRows,
                          String libraryVersions, Instant finishedAt) {
    }

    public record SnapshotLine(String snapshot, LocalDate runDate, int modelVersion, long customers, long entries,
                               Instant builtAt, boolean published) {
    }

    /** The tenant's latest partition of one phase in the latest night: status and, when it failed, the error in full. */
    public record PartitionLine(String phase, String status, String error, String detail) {
    }

    public record LastNight(long runId, LocalDate runDate, boolean failed, List<PartitionLine> partitions) {
    }

    /** An operator's pin on the champion: nightly promotions wait until it is released ({@code unpin-model}). */
    public record PinLine(int version, String by, String reason, Instant at) {
    }

    public record TenantOverview(String tenant, String zone, TenantState state, Instant stateSince, Lineage champion,
                                 PinLine pin, String publishedSnapshot, List<StateChange> stateHistory,
                                 List<ChampionEvent> championHistory, List<NightFigures> nights, List<SnapshotLine> snapshots,
                                 LastNight lastNight) {
    }

    public TenantOverview overview(TenantId id) {
        Tenant tenant = tenants.find(id).orElseThrow(() -> new AdminException(AdminException.Kind.NOT_FOUND,
                "unknown_tenant", "unknown tenant '" + id + "'"));
        List<ModelVersion> versions = models.versions(id);
        Optional<ModelVersion> champion = models.champion(id);
        String served = snapshots.current(id).map(Snapshot::snapshotId).orElse(null);
        List<NightFigures> nights = versions.stream().map(TenantConsoleService::figures).toList();
        List<ChampionEvent> events = new ArrayList<>();
        for (ChampionChange c : models.championHistory(id)) {
            String kind = c.reason() != null && c.reason().startsWith(TenantAdminService.ROLLBACK_PREFIX) ? "rollback"
                    : "nightly".equals(c.changedBy()) ? "promotion" : "pin";
            LocalDate day = LocalDate.ofInstant(c.changedAt(), fleet.zone());
            LocalDate night = kind.equals("promotion")
                    ? versions.stream().filter(v -> v.version() == c.newVersion()).map(ModelVersion::runDate).findFirst().orElse(day)
                    : versions.stream().map(ModelVersion::runDate).filter(d -> !d.isAfter(day)).max(LocalDate::compareTo).orElse(day);
            events.add(new ChampionEvent(kind, c.oldVersion(), c.newVersion(), c.changedAt(), night, c.changedBy(), c.reason()));
        }
        return new TenantOverview(id.value(), fleet.zone().getId(), tenant.state(), tenant.updatedAt(),
                champion.map(TenantConsoleService::lineage).orElse(null),
                models.pin(id).map(p -> new PinLine(p.version(), p.pinnedBy(), p.reason(), p.pinnedAt())).orElse(null),
                served, stateHistory(id), events, nights,
                snapshots.snapshots(id).stream().map(s -> new SnapshotLine(s.snapshotId(), s.runDate(), s.modelVersion(),
                        s.customers(), s.entries(), s.builtAt(), s.snapshotId().equals(served))).toList(),
                lastNight(id));
    }

    public List<StateChange> stateHistory(TenantId id) {
        if (tenants.find(id).isEmpty()) {
            throw new AdminException(AdminException.Kind.NOT_FOUND, "unknown_tenant", "unknown tenant '" + id + "'");
        }
        return tenants.history(id).stream().map(c -> new StateChange(c.oldState(), c.newState(), c.changedAt(), c.changedBy(),
                c.reason())).toList();
    }

    private LastNight lastNight(TenantId id) {
        List<JobInstance> latest = jobRepository.getJobInstances(NightlyJobConfig.JOB_NAME, 0, 1);
        if (latest.isEmpty()) {
            return null;
        }
        JobInstance instance = latest.get(0);
        long runId = instance.getInstanceId(); // the run is the night; RunsService takes its id
        List<PartitionLine> lines = new ArrayList<>();
        boolean failed = false;
        LocalDate runDate = null;
        for (String[] phase : new String[][] {{"retrain", NightlyJobConfig.RETRAIN_WORKER},
                {"prebake", NightlyJobConfig.PREBAKE_WORKER}, {"publish", NightlyJobConfig.PUBLISH_WORKER}}) {
            StepExecution step = jobRepository.getLastStepExecution(instance, phase[1] + ":" + id.value());
            if (step == null) {
                lines.add(new PartitionLine(phase[0], "SKIPPED", null, null));
                continue;
            }
            runDate = step.getJobParameters().getLocalDate(NightlyJobConfig.RUN_DATE);
            Map<String, Object> context = new TreeMap<>();
            step.getExecutionContext().entrySet().forEach(e -> context.put(e.getKey(), e.getValue()));
            String error = context.get(NightlyJobConfig.ERROR) instanceof String s ? s : null;
            String detail = context.get("reason") instanceof String s ? s : null;
            failed |= step.getStatus().isUnsuccessful();
            lines.add(new PartitionLine(phase[0], step.getStatus().name(), error, detail));
        }
        return new LastNight(runId, runDate, failed, lines);
    }

    private static NightFigures figures(ModelVersion v) {
        RankingMetrics any = v.ranking() != null ? v.ranking() : v.popularityRanking();
        return new NightFigures(v.runDate(), v.gateMetric(), any == null ? null : any.k(),
                new Figures(v.version(), finite(v.challengerRmse()), ndcg(v.ranking())),
                v.comparedWith() == null ? null : new Figures(v.comparedWith(), finite(v.championRmse()), ndcg(v.championRanking())),
                ndcg(v.popularityRanking()), finite(v.baselineRmse()), v.decision().name(), v.reason());
    }

    private static Lineage lineage(ModelVersion v) {
        return new Lineage(v.version(), v.runDate(), v.algorithm(), v.templateName(), v.templateVersion(), v.hyperParameters(),
                v.trainFingerprint(), v.trainRows(), v.holdoutRows(), v.libraryVersions(), v.finishedAt());
    }

    private static Double ndcg(RankingMetrics metrics) {
        return metrics == null || Double.isNaN(metrics.ndcg()) ? null : metrics.ndcg();
    }

    private static Double finite(Double value) {
        return value == null || value.isNaN() || value.isInfinite() ? null : value;
    }
}
