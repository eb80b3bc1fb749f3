package io.nightbake.runs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.nightbake.batch.NightlyJobConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.stereotype.Component;

/**
 * Prometheus metrics of the nightly runs: run duration, per-phase durations, tenants succeeded / failed / skipped in
 * the last run, promotions. Recorded when a run (attempt) ends, from its step executions.
 */
@Component
public class NightlyMetrics implements JobExecutionListener {

    private final MeterRegistry registry;
    private final JobRepository jobRepository;
    private final Map<String, AtomicLong> lastRunTenants = new ConcurrentHashMap<>();

    public NightlyMetrics(MeterRegistry registry, JobRepository jobRepository) {
        this.registry = registry;
        this.jobRepository = jobRepository;
        for (String outcome : new String[] {"succeeded", "failed", "skipped"}) {
            AtomicLong value = new AtomicLong();
            lastRunTenants.put(outcome, value);
            registry.gauge("nightbake.run.tenants", io.micrometer.core.instrument.Tags.of("outcome", outcome), value);
        }
    }

    @Override
    public void afterJob(JobExecution execution) {
        JobExecution full = jobRepository.getJobExecution(execution.getId());
        Timer.builder("nightbake.run.duration").description("wall time of a nightly run attempt")
                .tag("status", full.getStatus().name()).register(registry).record(duration(full.getStartTime(), full.getEndTime()));
        long succeeded = 0;
        long failed = 0;
        long skipped = 0;
        long promotions = 0;
        // one pass for the tenants that failed some phase: a scan per tenant made this quadratic in the fleet
        java.util.Set<String> failedTenants = new java.util.HashSet<>();
        for (StepExecution step : full.getStepExecutions()) {
            if (step.getStatus().isUnsuccessful() && step.getExecutionContext().containsKey(NightlyJobConfig.TENANT)) {
                failedTenants.add(step.getExecutionContext().getString(NightlyJobConfig.TENANT));
            }
        }
        for (StepExecution step : full.getStepExecutions()) {
            String name = step.getStepName();
            if (!name.contains(":")) {
                Timer.builder("nightbake.phase.duration").description("wall time of a phase of the nightly run")
                        .tag("phase", name).register(registry).record(duration(step.getStartTime(), step.getEndTime()));
            } else if (name.startsWith(NightlyJobConfig.PUBLISH_WORKER + ":")) {
                // every tenant has a publish partition: it tells the tenant's outcome for the night
                String tenant = step.getExecutionContext().getString(NightlyJobConfig.TENANT);
                boolean failedSomewhere = failedTenants.contains(tenant);
                String reason = step.getExecutionContext().getString("reason", "");
                if (failedSomewhere) {
                    failed++;
                } else if (reason.contains("OFF")) {
                    skipped++;
                } else {
                    succeeded++;
                }
            } else if (name.startsWith(NightlyJobConfig.RETRAIN_WORKER + ":")
                    && "PROMOTED".equals(step.getExecutionContext().getString("decision", ""))) {
                promotions++;
            }
        }
        lastRunTenants.get("succeeded").set(succeeded);
        lastRunTenants.get("failed").set(failed);
        lastRunTenants.get("skipped").set(skipped);
        Counter.builder("nightbake.promotions").description("challengers promoted to champion").register(registry)
                .increment(promotions);
    }

    private static Duration duration(java.time.LocalDateTime start, java.time.LocalDateTime end) {
        return start == null || end == null ? Duration.ZERO : Duration.between(start, end);
    }
}
