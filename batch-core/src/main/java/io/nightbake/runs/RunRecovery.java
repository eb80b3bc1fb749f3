package io.nightbake.runs;

import io.nightbake.batch.NightlyJobConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * After a crash (kill -9, machine loss) the run's executions stay STARTED in the job repository and block its
 * restart. This marks them FAILED when their process is gone: its heartbeat is older than
 * {@code nightbake.recovery.stale-after}, or it ran on this host under a pid that no longer exists. A run still going
 * on another node keeps beating and is left alone.
 */
@Component
public class RunRecovery {

    private static final Logger log = LoggerFactory.getLogger(RunRecovery.class);

    private final JobRepository jobRepository;
    private final JobOperator jobOperator;
    private final RunHeartbeats heartbeats;
    private final Clock clock;
    private final Duration staleAfter;
    private final RunLock lock;

    public RunRecovery(JobRepository jobRepository, JobOperator jobOperator, RunHeartbeats heartbeats, Clock clock,
                       @Value("${nightbake.recovery.stale-after:60s}") Duration staleAfter, RunLock lock) {
        this.jobRepository = jobRepository;
        this.jobOperator = jobOperator;
        this.heartbeats = heartbeats;
        this.lock = lock;
        this.clock = clock;
        this.staleAfter = staleAfter;
    }

    /** How long a run may stay silent before it counts as dead. */
    public Duration staleAfter() {
        return staleAfter;
    }

    /** Marks the executions of dead runs FAILED and releases a dead holder's run lock; returns their ids. */
    public List<Long> recoverDeadRuns() {
        lock.releaseIfDead();
        List<Long> recovered = new ArrayList<>();
        for (JobExecution execution : jobRepository.findRunningJobExecutions(NightlyJobConfig.JOB_NAME)) {
            Optional<String> deadBecause = deadBecause(execution);
            if (deadBecause.isPresent()) {
                jobOperator.recover(execution);
                heartbeats.forget(execution.getId());
                log.warn("run {} (execution {}) marked FAILED: {}; rerun it to finish the unfinished tenants",
                        execution.getJobParameters().getLocalDate(NightlyJobConfig.RUN_DATE), execution.getId(),
                        deadBecause.get());
                recovered.add(execution.getId());
            }
        }
        return recovered;
    }

    private Optional<String> deadBecause(JobExecution execution) {
        Optional<RunHeartbeats.Heartbeat> beat = heartbeats.find(execution.getId());
        if (beat.isEmpty()) {
            // a run another node created an instant ago has no heartbeat yet: give it the same grace
            boolean young = execution.getCreateTime() != null && Duration.between(
                    execution.getCreateTime().atZone(java.time.ZoneId.systemDefault()).toInstant(), clock.instant())
                    .compareTo(staleAfter) < 0;
            return young ? Optional.empty() : Optional.of("no process owns it");
        }
        RunHeartbeats.Heartbeat heartbeat = beat.get();
        return ProcessLiveness.deadBecause(heartbeat.owner(), heartbeat.heartbeatAt(), clock.instant(), staleAfter);
    }
}
