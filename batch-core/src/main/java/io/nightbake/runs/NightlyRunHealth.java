package io.nightbake.runs;

import io.nightbake.batch.NightlyJobConfig;
import java.util.List;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Actuator health of the nightly runs: the last run's date, status and failed tenants, and skipped nights. A failed tenant does not make
 * the service unhealthy (lookups keep serving its last good lists), so the status stays UP with the details.
 */
@Component("nightlyRun")
public class NightlyRunHealth implements HealthIndicator {

    private final JobRepository jobRepository;
    private final SkippedNights skippedNights;

    public NightlyRunHealth(JobRepository jobRepository, SkippedNights skippedNights) {
        this.jobRepository = jobRepository;
        this.skippedNights = skippedNights;
    }

    @Override
    public Health health() {
        List<JobInstance> last = jobRepository.getJobInstances(NightlyJobConfig.JOB_NAME, 0, 1);
        // nights the schedule could not run (another night held the lock too long): visible until they run
        List<java.util.Map<String, String>> skipped = skippedNights.list().stream().map(n -> java.util.Map.of(
                "runDate", n.runDate().toString(), "reason", n.reason(), "skippedAt", n.skippedAt().toString())).toList();
        if (last.isEmpty()) {
            return Health.up().withDetail("lastRun", "none yet").withDetail("skippedNights", skipped).build();
        }
        JobExecution execution = jobRepository.getLastJobExecution(last.get(0));
        JobExecution full = jobRepository.getJobExecution(execution.getId());
        List<JobExecution> attempts = jobRepository.getJobExecutions(last.get(0)).stream()
                .map(a -> jobRepository.getJobExecution(a.getId())).sorted(java.util.Comparator.comparing(JobExecution::getId))
                .toList();
        long failed = io.nightbake.batch.RunReport.failedTenants(io.nightbake.batch.RunReport.latestPartitions(attempts));
        return Health.up()
                .withDetail("lastRunDate", String.valueOf(full.getJobParameters().getLocalDate(NightlyJobConfig.RUN_DATE)))
                .withDetail("lastRunId", last.get(0).getInstanceId())
                .withDetail("lastAttemptId", full.getId())
                .withDetail("lastRunStatus", full.getStatus().name())
                .withDetail("lastRunEnded", String.valueOf(full.getEndTime()))
                .withDetail("failedTenants", failed)
                .withDetail("skippedNights", skipped)
                .build();
    }
}
