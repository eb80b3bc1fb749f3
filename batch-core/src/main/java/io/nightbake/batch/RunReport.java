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
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.stereotype.Component;

/** Per-tenant view of one nightly run (all executions of its job instance, latest attempt per tenant). */
@Component
public class RunReport {

    private final JobRepository jobRepository;
    private final TenantRegistry tenants;

    public RunReport(JobRepository jobRepository, TenantRegistry tenants) {
        this.jobRepository = jobRepository;
        this.tenants = tenants;
    }

    /** One tenant's line. Numbers are null where they do not apply (a skipped or failed tenant). */
    public record TenantLine(String tenant, String state, String status, Long rows, Double championRmse,
                             Double challengerRmse, String decision, Long millis, String detail) {
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
                if (step.getStepName().startsWith(NightlyJobConfig.RETRAIN_WORKER + ":")) {
                    latest.put(step.getExecutionContext().getString(NightlyJobConfig.TENANT), step);
                }
            }
        }
        List<TenantLine> lines = new ArrayList<>();
        for (Tenant tenant : tenants.list()) {
            StepExecution step = latest.get(tenant.id().value());
            String state = tenant.state().name();
            if (step == null) {
                lines.add(new TenantLine(tenant.id().value(), state, "SKIPPED", null, null, null, null, null,
                        tenant.state().retrains() ? "not in this run" : "not retrained (" + state + ")"));
                continue;
            }
            ExecutionContext c = step.getExecutionContext();
            lines.add(new TenantLine(tenant.id().value(), state, step.getStatus().name(),
                    c.containsKey(PartitionResults.ROWS) ? c.getLong(PartitionResults.ROWS) : null,
                    c.containsKey(PartitionResults.CHAMPION_RMSE) ? c.getDouble(PartitionResults.CHAMPION_RMSE) : null,
                    c.containsKey(PartitionResults.CHALLENGER_RMSE) ? c.getDouble(PartitionResults.CHALLENGER_RMSE) : null,
                    c.containsKey(PartitionResults.DECISION) ? c.getString(PartitionResults.DECISION) : null,
                    c.containsKey(PartitionResults.MILLIS) ? c.getLong(PartitionResults.MILLIS) : null,
                    c.containsKey(NightlyJobConfig.ERROR) ? c.getString(NightlyJobConfig.ERROR)
                            : c.containsKey(PartitionResults.REASON) ? c.getString(PartitionResults.REASON) : ""));
        }
        LocalDate runDate = execution.getJobParameters().getLocalDate(NightlyJobConfig.RUN_DATE);
        Duration duration = execution.getStartTime() == null || execution.getEndTime() == null ? Duration.ZERO
                : Duration.between(execution.getStartTime(), execution.getEndTime());
        return new Run(execution.getId(), runDate, execution.getStatus(), duration, lines);
    }

    /** The run as a fixed-width table for the terminal. */
    public static String format(Run run) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "nightly run %s (execution %d): %s in %.1f s%n", run.runDate(), run.jobExecutionId(),
                run.status(), run.duration().toMillis() / 1000.0));
        out.append(String.format(Locale.ROOT, "%-12s %-7s %-9s %8s %10s %10s %-9s %8s  %s%n", "tenant", "state", "status", "rows",
                "champion", "challenger", "promoted", "time", "detail"));
        for (TenantLine line : run.tenants()) {
            out.append(String.format(Locale.ROOT, "%-12s %-7s %-9s %8s %10s %10s %-9s %8s  %s%n", line.tenant(), line.state(),
                    line.status(), line.rows() == null ? "-" : line.rows(), rmse(line.championRmse()), rmse(line.challengerRmse()),
                    line.decision() == null ? "-" : "PROMOTED".equals(line.decision()) ? "yes" : "no",
                    line.millis() == null ? "-" : String.format(Locale.ROOT, "%.1fs", line.millis() / 1000.0), line.detail()));
        }
        return out.toString();
    }

    private static String rmse(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.4f", value);
    }
}
