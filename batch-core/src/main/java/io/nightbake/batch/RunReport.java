package io.nightbake.batch;

import io.nightbake.tenant.Tenant;
import io.nightbake.tenant.TenantRegistry;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.stereotype.Component;

/**
 * Per-tenant view of one nightly run. The words are the same in the API, the CLI and the dashboard: a <b>run</b> is one
 * night (a Spring Batch job instance, identified by {@code runId} and its run date), an <b>attempt</b> is one execution
 * of it ({@code attemptId}: the first launch, then each rerun or resume). A run's status is its latest attempt's; each
 * tenant line holds the latest partition per phase over all attempts, and the state the tenant had when the run took
 * it, not its state today.
 */
@Component
public class RunReport {

    private final JobRepository jobRepository;
    private final TenantRegistry tenants;

    public RunReport(JobRepository jobRepository, TenantRegistry tenants) {
        this.jobRepository = jobRepository;
        this.tenants = tenants;
    }

    /** What happened to one tenant in one phase (its partition's recorded results); null when it did not run. */
    public record Phase(String status, Map<String, Object> results, long millis) {
        String text(String key) {
            return (String) results.get(key);
        }

        Double number(String key) {
            return results.get(key) instanceof Number n ? n.doubleValue() : null;
        }

        Long count(String key) {
            return results.get(key) instanceof Number n ? n.longValue() : null;
        }
    }

    public record TenantLine(String tenant, String state, Phase retrain, Phase prebake, Phase publish) {

        /** Whether any phase of the tenant failed in its latest partition: one broken tenant is one failed tenant. */
        public boolean failed() {
            for (Phase phase : new Phase[] {retrain, prebake, publish}) {
                if (phase != null && java.util.Set.of("FAILED", "ABANDONED", "UNKNOWN").contains(phase.status())) {
                    return true;
                }
            }
            return false;
        }

        public Double championRmse() {
            return retrain == null ? null : retrain.number(PartitionResults.CHAMPION_RMSE);
        }

        public Double challengerRmse() {
            return retrain == null ? null : retrain.number(PartitionResults.CHALLENGER_RMSE);
        }

        /** The metric the tenant is gated on: rmse for ratings, ndcg for implicit feedback by default. */
        public String gateMetric() {
            return retrain == null ? null : retrain.text(PartitionResults.GATE_METRIC);
        }

        public Double championGate() {
            return retrain == null ? null : retrain.number(PartitionResults.CHAMPION_GATE);
        }

        public Double challengerGate() {
            return retrain == null ? null : retrain.number(PartitionResults.CHALLENGER_GATE);
        }

        /** The ranking the tenant's lists are ordered by tonight (e.g. a blend, or popularity when the guard fell back). */
        public String publishedRanking() {
            return retrain == null ? null : retrain.text(PartitionResults.RANKING);
        }

        /** The ranking guard's verdict: passed, or popularity (the model's lists were not better than popularity's). */
        public String rankingGuard() {
            return retrain == null ? null : retrain.text(PartitionResults.RANKING_GUARD);
        }

        public boolean promoted() {
            return retrain != null && "PROMOTED".equals(retrain.text(PartitionResults.DECISION));
        }

        /** The first error of the night, else what publishing did. */
        public String detail() {
            for (Phase phase : new Phase[] {retrain, prebake, publish}) {
                if (phase != null && phase.text(NightlyJobConfig.ERROR) != null) {
                    return phase.text(NightlyJobConfig.ERROR);
                }
            }
            String published = publish == null ? "" : publish.text(PartitionResults.REASON);
            Long duplicates = retrain == null ? null : retrain.count(PartitionResults.DUPLICATES);
            return duplicates == null ? published : published + "; " + duplicates
                    + " duplicate interactions collapsed (same customer, product, time and type: the first kept)";
        }
    }

    /** One execution of a run: the first launch, a rerun or a resume. */
    public record Attempt(long attemptId, String status, String exitCode, LocalDateTime startTime, LocalDateTime endTime) {
    }

    /**
     * @param runId    the run (one night)
     * @param status   the latest attempt's status
     * @param duration the latest attempt's wall time
     */
    public record Run(long runId, LocalDate runDate, BatchStatus status, Duration duration, List<Attempt> attempts,
                      long failedTenants, List<TenantLine> tenants) {
    }

    /** A phase that had nothing to do for the tenant (no model to prebake with yet) shows this status. */
    public static final String SKIPPED = "SKIPPED";

    /** The run {@code execution} is an attempt of, as of its latest attempt. */
    public Run of(JobExecution execution) {
        JobInstance instance = execution.getJobInstance();
        List<JobExecution> attempts = attempts(instance);
        JobExecution last = attempts.get(attempts.size() - 1);
        Map<String, StepExecution> latest = latestPartitions(attempts);
        List<TenantLine> lines = new ArrayList<>();
        for (Tenant tenant : tenants.list()) {
            String id = tenant.id().value();
            StepExecution retrain = latest.get(NightlyJobConfig.RETRAIN_WORKER + ":" + id);
            StepExecution prebake = latest.get(NightlyJobConfig.PREBAKE_WORKER + ":" + id);
            StepExecution publish = latest.get(NightlyJobConfig.PUBLISH_WORKER + ":" + id);
            lines.add(new TenantLine(id, stateThatNight(tenant, publish, prebake, retrain), phase(retrain), phase(prebake),
                    phase(publish)));
        }
        LocalDate runDate = last.getJobParameters().getLocalDate(NightlyJobConfig.RUN_DATE);
        Duration duration = last.getStartTime() == null || last.getEndTime() == null ? Duration.ZERO
                : Duration.between(last.getStartTime(), last.getEndTime());
        List<Attempt> attemptList = attempts.stream().map(a -> new Attempt(a.getId(), a.getStatus().name(),
                a.getExitStatus().getExitCode(), a.getStartTime(), a.getEndTime())).toList();
        return new Run(instance.getInstanceId(), runDate, last.getStatus(), duration, attemptList,
                lines.stream().filter(TenantLine::failed).count(), lines);
    }

    /** The attempts of a run, oldest first, with their step executions. */
    public List<JobExecution> attempts(JobInstance instance) {
        List<JobExecution> attempts = new ArrayList<>();
        for (JobExecution attempt : jobRepository.getJobExecutions(instance)) {
            attempts.add(jobRepository.getJobExecution(attempt.getId()));
        }
        attempts.sort(Comparator.comparing(JobExecution::getId));
        return attempts;
    }

    /** The latest partition of every tenant and phase over the attempts, by step name. */
    public static Map<String, StepExecution> latestPartitions(List<JobExecution> attempts) {
        Map<String, StepExecution> latest = new HashMap<>();
        for (JobExecution attempt : attempts) {
            for (StepExecution step : attempt.getStepExecutions()) {
                if (step.getStepName().contains(":") && step.getExecutionContext().containsKey(NightlyJobConfig.TENANT)) {
                    latest.put(step.getStepName(), step);
                }
            }
        }
        return latest;
    }

    /** Tenants whose latest partition of some phase did not succeed. */
    public static long failedTenants(Map<String, StepExecution> latest) {
        return latest.values().stream().filter(s -> s.getStatus().isUnsuccessful())
                .map(s -> s.getExecutionContext().getString(NightlyJobConfig.TENANT)).distinct().count();
    }

    /** The state recorded on the tenant's partitions when the run took it; its state today for runs that predate it. */
    private static String stateThatNight(Tenant tenant, StepExecution... partitions) {
        for (StepExecution partition : partitions) {
            if (partition != null && partition.getExecutionContext().containsKey(NightlyJobConfig.STATE)) {
                return partition.getExecutionContext().getString(NightlyJobConfig.STATE);
            }
        }
        return tenant.state().name();
    }

    private static Phase phase(StepExecution step) {
        if (step == null) {
            return null;
        }
        long millis = step.getStartTime() == null || step.getEndTime() == null ? 0
                : Duration.between(step.getStartTime(), step.getEndTime()).toMillis();
        Map<String, Object> results = new TreeMap<>();
        for (Map.Entry<String, Object> entry : step.getExecutionContext().entrySet()) {
            if (!entry.getKey().startsWith("batch.")) { // Spring Batch's own bookkeeping
                results.put(entry.getKey(), entry.getValue());
            }
        }
        String status = step.getStatus().name();
        if ("NOOP".equals(step.getExitStatus().getExitCode())) {
            // it completed without doing anything (e.g. no model to prebake with yet): not "completed"
            status = SKIPPED;
            results.putIfAbsent(PartitionResults.REASON, step.getExitStatus().getExitDescription());
        }
        return new Phase(status, results, millis);
    }

    /** The run as a fixed-width table for the terminal. */
    public static String format(Run run) {
        StringBuilder out = new StringBuilder();
        Attempt last = run.attempts().get(run.attempts().size() - 1);
        out.append(String.format(Locale.ROOT, "nightly run %s (run %d, %d attempt%s, latest %d): %s in %.1f s, %d failed tenant%s%n",
                run.runDate(), run.runId(), run.attempts().size(), run.attempts().size() == 1 ? "" : "s", last.attemptId(),
                run.status(), run.duration().toMillis() / 1000.0, run.failedTenants(), run.failedTenants() == 1 ? "" : "s"));
        String row = "%-20s %-7s %-9s %7s %-4s %9s %10s %-8s %7s %-9s %9s  %s%n";
        out.append(String.format(Locale.ROOT, row, "tenant", "state", "retrain", "rows", "gate", "champion", "challenger",
                "promoted", "time", "prebake", "customers", "detail"));
        for (TenantLine line : run.tenants()) {
            Phase retrain = line.retrain();
            Phase prebake = line.prebake();
            out.append(String.format(Locale.ROOT, row, line.tenant(), line.state(),
                    retrain == null ? "skipped" : retrain.status().toLowerCase(Locale.ROOT),
                    dash(retrain == null ? null : retrain.count(PartitionResults.ROWS)),
                    line.gateMetric() == null ? "-" : line.gateMetric(), figure(line.championGate()),
                    figure(line.challengerGate()),
                    retrain == null || retrain.text(PartitionResults.DECISION) == null ? "-" : line.promoted() ? "yes"
                            : "PINNED".equals(retrain.text(PartitionResults.DECISION)) ? "pinned" : "no",
                    retrain == null || retrain.count(PartitionResults.MILLIS) == null ? "-"
                            : String.format(Locale.ROOT, "%.1fs", retrain.count(PartitionResults.MILLIS) / 1000.0),
                    prebake == null ? "skipped" : prebake.status().toLowerCase(Locale.ROOT),
                    dash(prebake == null ? null : prebake.count(PrebakePartitionHandler.CUSTOMERS)), line.detail()));
        }
        return out.toString();
    }

    private static String dash(Long value) {
        return value == null ? "-" : value.toString();
    }

    private static String figure(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.4f", value);
    }
}
