package io.nightbake.batch;

import io.nightbake.tenant.Tenant;
import io.nightbake.tenant.TenantRegistry;
import java.time.Duration;
import java.time.LocalDate;
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

/** Per-tenant view of one nightly run: every attempt of its job instance, the latest partition per tenant and phase. */
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
            return publish == null ? "" : publish.text(PartitionResults.REASON);
        }
    }

    public record Run(long jobExecutionId, LocalDate runDate, BatchStatus status, Duration duration, List<TenantLine> tenants) {
    }

    public Run of(JobExecution execution) {
        JobInstance instance = execution.getJobInstance();
        Map<String, StepExecution> latest = new HashMap<>();
        List<JobExecution> attempts = new ArrayList<>(jobRepository.getJobExecutions(instance));
        attempts.sort(Comparator.comparing(JobExecution::getId));
        for (JobExecution attempt : attempts) {
            for (StepExecution step : jobRepository.getJobExecution(attempt.getId()).getStepExecutions()) {
                if (step.getStepName().contains(":") && step.getExecutionContext().containsKey(NightlyJobConfig.TENANT)) {
                    latest.put(step.getStepName(), step);
                }
            }
        }
        List<TenantLine> lines = new ArrayList<>();
        for (Tenant tenant : tenants.list()) {
            String id = tenant.id().value();
            lines.add(new TenantLine(id, tenant.state().name(), phase(latest.get(NightlyJobConfig.RETRAIN_WORKER + ":" + id)),
                    phase(latest.get(NightlyJobConfig.PREBAKE_WORKER + ":" + id)),
                    phase(latest.get(NightlyJobConfig.PUBLISH_WORKER + ":" + id))));
        }
        LocalDate runDate = execution.getJobParameters().getLocalDate(NightlyJobConfig.RUN_DATE);
        Duration duration = execution.getStartTime() == null || execution.getEndTime() == null ? Duration.ZERO
                : Duration.between(execution.getStartTime(), execution.getEndTime());
        return new Run(execution.getId(), runDate, execution.getStatus(), duration, lines);
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
        return new Phase(step.getStatus().name(), results, millis);
    }

    /** The run as a fixed-width table for the terminal. */
    public static String format(Run run) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "nightly run %s (execution %d): %s in %.1f s%n", run.runDate(),
                run.jobExecutionId(), run.status(), run.duration().toMillis() / 1000.0));
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
                    retrain == null || retrain.text(PartitionResults.DECISION) == null ? "-" : line.promoted() ? "yes" : "no",
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
