package io.nightbake.console;

import io.nightbake.admin.TenantAdminService;
import io.nightbake.batch.NightlyJobConfig;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import io.nightbake.tenant.TenantStateChange;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * What the console's fleet page shows, computed so that it stays fast with thousands of tenants: the progress of the
 * latest night, the last nights' durations, failures and promotions, tenants ON/FROZEN/OFF per day replayed from the
 * state audit trail, the tenants that need attention, and a searchable, paged tenant list.
 *
 * <p>Progress and night figures read Spring Batch's tables with a few aggregate queries (step names and statuses, no
 * execution contexts), because the poll runs every few seconds while a night of 4,000 tenants x 3 phases runs.
 * Spring Batch stores its times as local date-times of the JVM's zone; they are answered here with their offset.
 */
@Service
public class FleetConsoleService {

    /** The worker steps of a night, in order; a worker's step name is {@code <worker>:<tenant>}. */
    static final List<String> PHASES = List.of("retrain", "prebake", "publish");
    private static final Map<String, String> WORKERS = Map.of("retrain", NightlyJobConfig.RETRAIN_WORKER,
            "prebake", NightlyJobConfig.PREBAKE_WORKER, "publish", NightlyJobConfig.PUBLISH_WORKER);
    private static final Set<String> UNSUCCESSFUL = Set.of("FAILED", "STOPPED", "ABANDONED", "UNKNOWN");
    private static final Set<String> RUNNING = Set.of("STARTING", "STARTED", "STOPPING");
    public static final int MAX_PAGE_SIZE = 500;

    private final JdbcTemplate jdbc;
    private final TenantAdminService admin;
    private final TenantRegistry tenants;
    private final ModelRegistry models;
    private final Clock clock;
    private final ZoneId zone;
    private final ZoneId batchZone = ZoneId.systemDefault();

    public FleetConsoleService(JdbcTemplate jdbc, TenantAdminService admin, TenantRegistry tenants, ModelRegistry models,
                               Clock clock, @Value("${nightbake.schedule.zone:UTC}") String zone) {
        this.jdbc = jdbc;
        this.admin = admin;
        this.tenants = tenants;
        this.models = models;
        this.clock = clock;
        this.zone = ZoneId.of(zone);
    }

    // ---- answers

    /** One phase of a night's attempt: its partitions (one per tenant) and how many ended, and how many failed. */
    public record PhaseProgress(String phase, String status, int partitions, int done, int failed) {
    }

    /**
     * The latest attempt of a night. {@code phase} is the phase running now (null once ended); {@code tenantsDone} and
     * {@code tenantsTotal} count that phase's partitions (the last phase's once ended); {@code etaSeconds} is null when
     * there is nothing to estimate from; {@code etaBasis} says what it was estimated from.
     */
    public record RunProgress(long runId, LocalDate runDate, String status, boolean running, int attempt, String phase,
                              int tenantsDone, int tenantsTotal, int failures, OffsetDateTime startTime,
                              OffsetDateTime endTime, long elapsedSeconds, Long etaSeconds, String etaBasis,
                              List<PhaseProgress> phases) {
    }

    /**
     * One night (run date): its first attempt's duration and failed partitions, and how it stands after reruns.
     * {@code promotions} counts the challengers the gate promoted that night.
     */
    public record Night(LocalDate runDate, long runId, int attempts, String status,
                        OffsetDateTime startTime, Long durationSeconds, int failedPartitions, int stillFailed, int promotions) {
    }

    /**
     * A tenant that needs a look: {@code kind} is {@code failed}, {@code stale_lists}, {@code worse_than_popularity}
     * (its champion's NDCG@10 below the popularity list's on the latest holdout) or, from the feedback loop's fleet
     * health, {@code ctr_drop_after_promotion}; {@code runId} names the run for failed tenants.
     */
    public record Attention(String tenant, String kind, String message, Long runId) {
    }

    /**
     * The fleet at a glance. {@code attention} lists at most {@link #MAX_ATTENTION} entries, failed tenants first;
     * {@code attentionCounts} counts every entry by kind and {@code attentionTenants} the distinct tenants.
     */
    public record Overview(String zone, OffsetDateTime now, RunProgress latestRun, Map<TenantState, Integer> states,
                           int tenants, List<Night> nights, List<Attention> attention, Map<String, Integer> attentionCounts,
                           int attentionTenants) {
    }

    public static final int MAX_ATTENTION = 500;

    /** Tenants ON/FROZEN/OFF at the end of each day (in the schedule's zone), and state changes that day. */
    public record StateDay(LocalDate date, int on, int frozen, int off, int stateChanges) {
    }

    public record StatesOverTime(String zone, List<StateDay> days) {
    }

    public record TenantRow(String tenant, TenantState state, Instant stateSince, Integer championVersion,
                            String publishedSnapshot, LocalDate publishedRunDate) {
    }

    public record TenantPage(String query, TenantState state, int page, int size, int total, List<TenantRow> tenants) {
    }

    // ---- the fleet page

    public Overview overview(int nights) {
        List<Execution> executions = executions(nights);
        RunProgress latest = executions.isEmpty() ? null : progress(executions.get(0), executions);
        List<TenantAdminService.TenantOverview> all = admin.tenants();
        Map<TenantState, Integer> states = new EnumMap<>(TenantState.class);
        for (TenantState state : TenantState.values()) {
            states.put(state, 0);
        }
        all.forEach(t -> states.merge(t.state(), 1, Integer::sum));
        List<Night> perNight = nights(executions);
        List<Attention> attention = attention(executions, all);
        Map<String, Integer> counts = new LinkedHashMap<>();
        attention.forEach(a -> counts.merge(a.kind(), 1, Integer::sum));
        int distinct = (int) attention.stream().map(Attention::tenant).distinct().count();
        return new Overview(zone.getId(), OffsetDateTime.now(clock).atZoneSameInstant(zone).toOffsetDateTime(), latest, states,
                all.size(), perNight, attention.size() > MAX_ATTENTION ? attention.subList(0, MAX_ATTENTION) : attention, counts,
                distinct);
    }

    /** Replays the state audit trail into counts per day for the last {@code days} days, today included. */
    public StatesOverTime states(int days) {
        LocalDate today = LocalDate.now(clock.withZone(zone));
        LocalDate first = today.minusDays(days - 1L);
        Map<String, TenantState> current = new HashMap<>();
        Map<LocalDate, Integer> changes = new HashMap<>();
        List<TenantStateChange> history = tenants.allHistory();
        int next = 0;
        List<StateDay> out = new ArrayList<>();
        for (LocalDate day = first; !day.isAfter(today); day = day.plusDays(1)) {
            Instant end = day.plusDays(1).atStartOfDay(zone).toInstant();
            while (next < history.size() && history.get(next).changedAt().isBefore(end)) {
                TenantStateChange change = history.get(next++);
                current.put(change.tenant().value(), change.newState());
                LocalDate at = LocalDate.ofInstant(change.changedAt(), zone);
                if (change.oldState() != null && !at.isBefore(first)) {
                    changes.merge(at, 1, Integer::sum);
                }
            }
            Map<TenantState, Integer> counts = new EnumMap<>(TenantState.class);
            current.values().forEach(s -> counts.merge(s, 1, Integer::sum));
            out.add(new StateDay(day, counts.getOrDefault(TenantState.ON, 0), counts.getOrDefault(TenantState.FROZEN, 0),
                    counts.getOrDefault(TenantState.OFF, 0), changes.getOrDefault(day, 0)));
        }
        return new StatesOverTime(zone.getId(), out);
    }

    /**
     * Tenants whose id contains {@code query} (any case) and, when given, in {@code state}, in id order, one page.
     * The whole list is three queries (tenants, champions, published snapshots) and filtering is in memory: 4,000
     * tenants take a few milliseconds; the browser gets one page.
     */
    public TenantPage tenants(String query, TenantState state, int page, int size) {
        String needle = query == null ? "" : query.strip().toLowerCase(Locale.ROOT);
        List<TenantRow> matching = admin.tenants().stream()
                .filter(t -> needle.isEmpty() || t.tenant().contains(needle))
                .filter(t -> state == null || t.state() == state)
                .map(t -> new TenantRow(t.tenant(), t.state(), t.stateSince(), t.championVersion(), t.publishedSnapshot(),
                        t.publishedRunDate()))
                .toList();
        int from = Math.min(matching.size(), page * size);
        int to = Math.min(matching.size(), from + size);
        return new TenantPage(needle, state, page, size, matching.size(), matching.subList(from, to));
    }

    /** The latest night's latest attempt when one of the tenant's partitions in that night failed; null otherwise. */
    public Long latestFailedRunOf(TenantId tenant) {
        List<Execution> executions = executions(1);
        if (executions.isEmpty()) {
            return null;
        }
        Execution latest = executions.get(0);
        Map<String, String> statuses = latestWorkerStatuses(latest.instanceId());
        for (String phase : PHASES) {
            if (UNSUCCESSFUL.contains(statuses.getOrDefault(WORKERS.get(phase) + ":" + tenant.value(), ""))) {
                return latest.instanceId(); // a run is the night (job instance); its attempts are executions
            }
        }
        return null;
    }

    public ZoneId zone() {
        return zone;
    }

    OffsetDateTime offset(LocalDateTime time) {
        return time == null ? null : time.atZone(batchZone).withZoneSameInstant(zone).toOffsetDateTime();
    }

    // ---- Spring Batch's tables

    private record Execution(long id, long instanceId, LocalDate runDate, String status, LocalDateTime start, LocalDateTime end) {
    }

    private record StepRow(String name, String status, LocalDateTime start, LocalDateTime end) {
    }

    /** The attempts of the latest {@code nights} nights, newest first. */
    private List<Execution> executions(int nights) {
        List<Long> instances = jdbc.query("SELECT JOB_INSTANCE_ID FROM BATCH_JOB_INSTANCE WHERE JOB_NAME = ? "
                + "ORDER BY JOB_INSTANCE_ID DESC FETCH FIRST " + nights + " ROWS ONLY", (row, i) -> row.getLong(1),
                NightlyJobConfig.JOB_NAME);
        if (instances.isEmpty()) {
            return List.of();
        }
        long oldest = instances.get(instances.size() - 1);
        return jdbc.query("SELECT e.JOB_EXECUTION_ID, e.JOB_INSTANCE_ID, e.STATUS, e.START_TIME, e.END_TIME, "
                        + "p.PARAMETER_VALUE FROM BATCH_JOB_EXECUTION e JOIN BATCH_JOB_INSTANCE i "
                        + "ON i.JOB_INSTANCE_ID = e.JOB_INSTANCE_ID LEFT JOIN BATCH_JOB_EXECUTION_PARAMS p "
                        + "ON p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID AND p.PARAMETER_NAME = ? "
                        + "WHERE i.JOB_NAME = ? AND e.JOB_INSTANCE_ID >= ? ORDER BY e.JOB_EXECUTION_ID DESC",
                (row, i) -> new Execution(row.getLong(1), row.getLong(2), runDate(row.getString(6)), row.getString(3),
                        local(row.getTimestamp(4)), local(row.getTimestamp(5))),
                NightlyJobConfig.RUN_DATE, NightlyJobConfig.JOB_NAME, oldest);
    }

    private static LocalDate runDate(String value) {
        return value == null || value.length() < 10 ? null : LocalDate.parse(value.substring(0, 10));
    }

    private static LocalDateTime local(Timestamp time) {
        return time == null ? null : time.toLocalDateTime();
    }

    private List<StepRow> steps(long executionId) {
        return jdbc.query("SELECT STEP_NAME, STATUS, START_TIME, END_TIME FROM BATCH_STEP_EXECUTION WHERE JOB_EXECUTION_ID = ?",
                (row, i) -> new StepRow(row.getString(1), row.getString(2), local(row.getTimestamp(3)), local(row.getTimestamp(4))),
                executionId);
    }

    /** The status of every worker step of a night, the latest attempt's where several ran it. */
    private Map<String, String> latestWorkerStatuses(long instanceId) {
        Map<String, String> statuses = new HashMap<>();
        jdbc.query("SELECT s.STEP_NAME, s.STATUS FROM BATCH_STEP_EXECUTION s JOIN BATCH_JOB_EXECUTION e "
                        + "ON e.JOB_EXECUTION_ID = s.JOB_EXECUTION_ID WHERE e.JOB_INSTANCE_ID = ? AND s.STEP_NAME LIKE '%:%' "
                        + "ORDER BY s.STEP_EXECUTION_ID",
                row -> {
                    statuses.put(row.getString(1), row.getString(2));
                }, instanceId);
        return statuses;
    }

    /** Failed worker partitions per execution, for executions from {@code fromId} on. */
    private Map<Long, Integer> failedPerExecution(long fromId) {
        Map<Long, Integer> failed = new HashMap<>();
        jdbc.query("SELECT JOB_EXECUTION_ID, COUNT(*) FROM BATCH_STEP_EXECUTION WHERE JOB_EXECUTION_ID >= ? "
                        + "AND STEP_NAME LIKE '%:%' AND STATUS IN ('FAILED', 'STOPPED', 'ABANDONED', 'UNKNOWN') "
                        + "GROUP BY JOB_EXECUTION_ID",
                row -> {
                    failed.put(row.getLong(1), row.getInt(2));
                }, fromId);
        return failed;
    }

    private RunProgress progress(Execution run, List<Execution> all) {
        List<StepRow> steps = steps(run.id());
        boolean running = RUNNING.contains(run.status());
        List<PhaseProgress> phases = new ArrayList<>();
        String current = null;
        int failures = 0;
        for (String phase : PHASES) {
            String prefix = WORKERS.get(phase) + ":";
            int partitions = 0;
            int done = 0;
            int failed = 0;
            for (StepRow step : steps) {
                if (step.name().startsWith(prefix)) {
                    partitions++;
                    if (step.end() != null || !RUNNING.contains(step.status())) {
                        done++;
                    }
                    if (UNSUCCESSFUL.contains(step.status())) {
                        failed++;
                    }
                }
            }
            String status = steps.stream().filter(s -> s.name().equals(phase)).map(StepRow::status).findFirst().orElse(null);
            if (running && status != null && RUNNING.contains(status)) {
                current = phase;
            }
            failures += failed;
            phases.add(new PhaseProgress(phase, status, partitions, done, failed));
        }
        if (running && current == null) {
            current = steps.stream().anyMatch(s -> s.name().equals("discoverTenants")) && phases.get(0).status() == null
                    ? "discover" : phases.stream().filter(p -> p.status() != null).reduce((a, b) -> b)
                    .map(PhaseProgress::phase).orElse("starting");
        }
        String currentPhase = current;
        PhaseProgress shown = phases.stream().filter(p -> p.phase().equals(currentPhase)).findFirst()
                .orElse(phases.stream().filter(p -> p.partitions() > 0).reduce((a, b) -> b).orElse(phases.get(0)));
        Instant now = clock.instant();
        OffsetDateTime start = offset(run.start());
        OffsetDateTime end = offset(run.end());
        long elapsed = start == null ? 0 : Duration.between(start.toInstant(), end == null ? now : end.toInstant()).toSeconds();
        Long eta = null;
        String basis = null;
        if (running) {
            // the previous night's first attempt is the best guide: nights of one fleet take about as long
            Long previous = all.stream().filter(e -> e.instanceId() != run.instanceId() && e.end() != null && e.start() != null)
                    .min(Comparator.comparing(Execution::instanceId, Comparator.reverseOrder()).thenComparing(Execution::id))
                    .map(e -> Duration.between(e.start(), e.end()).toSeconds()).orElse(null);
            if (previous != null) {
                eta = Math.max(0, previous - elapsed);
                basis = "the previous night took " + previous + " s";
            } else if (shown.done() > 0 && shown.partitions() > shown.done()) {
                eta = elapsed * (shown.partitions() - shown.done()) / shown.done();
                basis = "this phase's pace so far";
            }
        }
        int attempt = (int) all.stream().filter(e -> e.instanceId() == run.instanceId() && e.id() <= run.id()).count();
        return new RunProgress(run.instanceId(), run.runDate(), run.status(), running, attempt, running ? current : null,
                shown.done(), shown.partitions(), failures, start, end, elapsed, eta, basis, phases);
    }

    private List<Night> nights(List<Execution> executions) {
        if (executions.isEmpty()) {
            return List.of();
        }
        Map<Long, List<Execution>> byInstance = new LinkedHashMap<>();
        for (Execution e : executions) {
            byInstance.computeIfAbsent(e.instanceId(), k -> new ArrayList<>()).add(e);
        }
        long oldestExecution = executions.get(executions.size() - 1).id();
        Map<Long, Integer> failed = failedPerExecution(oldestExecution);
        LocalDate since = executions.stream().map(Execution::runDate).filter(d -> d != null).min(Comparator.naturalOrder())
                .orElse(LocalDate.now(clock));
        Map<LocalDate, Integer> promotions = models.promotionsPerRunDate(since);
        List<Night> out = new ArrayList<>();
        for (List<Execution> attempts : byInstance.values()) {
            Execution latest = attempts.get(0);
            Execution first = attempts.get(attempts.size() - 1);
            Long duration = first.start() == null ? null
                    : Duration.between(first.start(), first.end() == null ? LocalDateTime.now(clock.withZone(batchZone))
                    : first.end()).toSeconds();
            out.add(new Night(first.runDate(), first.instanceId(), attempts.size(), latest.status(), offset(first.start()),
                    duration, failed.getOrDefault(first.id(), 0), failed.getOrDefault(latest.id(), 0),
                    promotions.getOrDefault(first.runDate(), 0)));
        }
        out.sort(Comparator.comparing(Night::runId));
        return out;
    }

    private List<Attention> attention(List<Execution> executions, List<TenantAdminService.TenantOverview> all) {
        List<Attention> out = new ArrayList<>();
        Execution latest = executions.isEmpty() ? null : executions.get(0);
        if (latest != null) {
            Map<String, String> statuses = latestWorkerStatuses(latest.instanceId());
            Map<String, List<String>> failedPhases = new LinkedHashMap<>();
            for (String phase : PHASES) {
                String prefix = WORKERS.get(phase) + ":";
                statuses.forEach((step, status) -> {
                    if (step.startsWith(prefix) && UNSUCCESSFUL.contains(status)) {
                        failedPhases.computeIfAbsent(step.substring(prefix.length()), k -> new ArrayList<>()).add(phase);
                    }
                });
            }
            failedPhases.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> out.add(new Attention(e.getKey(),
                    "failed", "failed in " + String.join(", ", e.getValue()) + " on the night of " + latest.runDate(), latest.instanceId())));
        }
        // lists are stale against the latest night that has ended: while a night runs, its lists are not due yet
        LocalDate lastNight = executions.stream().filter(e -> !RUNNING.contains(e.status())).map(Execution::runDate)
                .filter(d -> d != null).max(Comparator.naturalOrder()).orElse(null);
        for (TenantAdminService.TenantOverview t : all) {
            if (t.state() == TenantState.OFF || lastNight == null) {
                continue;
            }
            if (t.publishedSnapshot() == null) {
                out.add(new Attention(t.tenant(), "stale_lists", "serves no lists: nothing is published", null));
            } else if (t.publishedRunDate() != null && t.publishedRunDate().isBefore(lastNight)) {
                out.add(new Attention(t.tenant(), "stale_lists", "serves lists of " + t.publishedRunDate()
                        + ", older than the night of " + lastNight + " (snapshot " + t.publishedSnapshot() + ")", null));
            }
        }
        Map<TenantId, Integer> champions = models.championVersions();
        for (Map.Entry<TenantId, ModelVersion> e : models.latestVersions().entrySet()) {
            ModelVersion v = e.getValue();
            Integer champion = champions.get(e.getKey());
            Double championNdcg = champion == null ? null : champion == v.version() ? ndcg(v.ranking())
                    : v.comparedWith() != null && champion.intValue() == v.comparedWith() ? ndcg(v.championRanking()) : null;
            Double popularity = ndcg(v.popularityRanking());
            if (championNdcg != null && popularity != null && championNdcg < popularity) {
                out.add(new Attention(e.getKey().value(), "worse_than_popularity", String.format(Locale.ROOT,
                        "champion version %d: NDCG@%d %.4f below the popularity list's %.4f on the holdout of %s", champion,
                        v.popularityRanking().k(), championNdcg, popularity, v.runDate()), null));
            }
        }
        out.sort(Comparator.comparing((Attention a) -> kindOrder(a.kind())).thenComparing(Attention::tenant));
        return out;
    }

    private static int kindOrder(String kind) {
        return switch (kind) {
            case "failed" -> 0;
            case "stale_lists" -> 1;
            default -> 2;
        };
    }

    private static Double ndcg(io.nightbake.model.RankingMetrics metrics) {
        return metrics == null ? null : metrics.ndcg();
    }
}
