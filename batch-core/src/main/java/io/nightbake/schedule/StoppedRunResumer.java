package io.nightbake.schedule;

import io.nightbake.batch.NightlyJobConfig;
import io.nightbake.batch.NightlyLauncher;
import io.nightbake.runs.RunLock;
import java.time.LocalDate;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Resumes a night that a node's graceful stop left STOPPED: a scheduling node (this one after a restart, or another
 * node of the cluster) finds the latest night STOPPED with no night holding the run lock, and restarts it, so only
 * the tenants that did not finish run again. The run lock keeps two nodes from both resuming it.
 */
@Component
@ConditionalOnProperty(name = "spring.quartz.auto-startup", havingValue = "true")
public class StoppedRunResumer {

    private static final Logger log = LoggerFactory.getLogger(StoppedRunResumer.class);

    private final JobRepository jobRepository;
    private final NightlyLauncher launcher;
    private final RunLock lock;

    public StoppedRunResumer(JobRepository jobRepository, NightlyLauncher launcher, RunLock lock) {
        this.jobRepository = jobRepository;
        this.launcher = launcher;
        this.lock = lock;
    }

    @Scheduled(initialDelayString = "${nightbake.schedule.resume-check-millis:30000}",
            fixedDelayString = "${nightbake.schedule.resume-check-millis:30000}")
    public void resumeStopped() {
        List<JobInstance> latest = jobRepository.getJobInstances(NightlyJobConfig.JOB_NAME, 0, 1);
        if (latest.isEmpty() || lock.holder().isPresent()) {
            return;
        }
        JobExecution last = jobRepository.getLastJobExecution(latest.get(0));
        if (last == null || last.getStatus() != BatchStatus.STOPPED) {
            return;
        }
        LocalDate runDate = last.getJobParameters().getLocalDate(NightlyJobConfig.RUN_DATE);
        log.warn("resuming night {}: it was stopped by a node's shutdown", runDate);
        try {
            launcher.run(runDate);
        } catch (RunLock.HeldException e) {
            log.info("night {} not resumed here: {}", runDate, e.getMessage());
        } catch (Exception e) {
            log.error("night {} could not be resumed: {}", runDate, e.getMessage());
        }
    }
}
