package io.nightbake.batch;

import io.nightbake.runs.RunLock;
import io.nightbake.runs.SkippedNights;
import java.time.LocalDate;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobExecutionAlreadyRunningException;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Component;

/**
 * Launches the nightly job for a run date. The run date is the job's only identifying parameter, so one date is
 * one job instance, whoever launches it (the schedule on any node, a double fire, an operator): launching a date whose
 * run failed restarts it (only unfinished tenants run again), launching a date whose run completed or is running
 * starts nothing. Every launch takes the database-held {@link RunLock} first, so two nights never run at once, on
 * one node or across the cluster: a launch for another date while a night runs fails with
 * {@link RunLock.HeldException} and creates nothing.
 */
@Component
public class NightlyLauncher {

    private static final Logger log = LoggerFactory.getLogger(NightlyLauncher.class);

    private final JobOperator jobOperator;
    private final JobRepository jobRepository;
    private final Job nightlyJob;
    private final RunLock lock;
    private final SkippedNights skippedNights;

    public NightlyLauncher(JobOperator jobOperator, JobRepository jobRepository, Job nightlyJob, RunLock lock,
                           SkippedNights skippedNights) {
        this.skippedNights = skippedNights;
        this.jobOperator = jobOperator;
        this.jobRepository = jobRepository;
        this.nightlyJob = nightlyJob;
        this.lock = lock;
    }

    public static JobParameters parameters(LocalDate runDate) {
        return new JobParametersBuilder().addLocalDate(NightlyJobConfig.RUN_DATE, runDate, true).toJobParameters();
    }

    /**
     * Runs (or restarts) the nightly job for {@code runDate} and returns its execution once it has ended; when the
     * date's run already completed, or is running elsewhere, returns that run's latest execution instead.
     *
     * @throws RunLock.HeldException when another date's night is running
     */
    public JobExecution run(LocalDate runDate) throws Exception {
        // a completed night never runs again, so its launch needs no lock: taking it, even for an instant, made a
        // re-fire of tonight's trigger refuse an operator's launch of another date as "night ... is running"
        Optional<JobExecution> completed = latest(runDate).filter(e -> e.getStatus() == BatchStatus.COMPLETED);
        if (completed.isPresent()) {
            log.info("nightly run {} not started: it completed already (run {})", runDate,
                    completed.get().getJobInstanceId());
            skippedNights.ran(runDate);
            return completed.get();
        }
        for (int attempt = 0; !lock.tryAcquire(runDate); attempt++) {
            Optional<RunLock.Holder> holder = lock.holder();
            if (holder.isPresent() && holder.get().runDate().equals(runDate)) {
                // the same night is running (here or on another node): this launch starts nothing
                Optional<JobExecution> running = awaitLatest(runDate);
                if (running.isPresent()) {
                    log.info("nightly run {} not started: it is already running ({})", runDate, holder.get().owner());
                    return running.get();
                }
            }
            if (holder.isPresent() || attempt >= 3) {
                throw new RunLock.HeldException(runDate, holder.orElseThrow(() ->
                        new IllegalStateException("cannot take the run lock for " + runDate)));
            }
            // released between our attempt and the look: try again
        }
        try {
            JobExecution execution = start(runDate);
            skippedNights.ran(runDate); // a night the schedule had to skip has run now
            return execution;
        } finally {
            lock.release(runDate);
        }
    }

    private Optional<JobExecution> awaitLatest(LocalDate runDate) throws InterruptedException {
        Optional<JobExecution> other = latest(runDate);
        // the holder takes the lock first and creates the job instance an instant later
        for (int wait = 0; other.isEmpty() && wait < 50; wait++) {
            Thread.sleep(100);
            other = latest(runDate);
        }
        return other;
    }

    private JobExecution start(LocalDate runDate) throws Exception {
        JobParameters parameters = parameters(runDate);
        try {
            return jobOperator.start(nightlyJob, parameters);
        } catch (JobInstanceAlreadyCompleteException | JobExecutionAlreadyRunningException e) {
            log.info("nightly run {} not started: {}", runDate, e.getMessage());
            return latest(runDate).orElseThrow(() -> e);
        } catch (DataIntegrityViolationException | IllegalStateException e) {
            // Another launcher created the same job instance at the same moment (Spring Batch then reports "JobInstance
            // must not already exist", or the database its unique key): that launcher runs it.
            Optional<JobExecution> other = latest(runDate);
            // the other launcher commits the instance first and its execution an instant later
            for (int wait = 0; other.isEmpty() && wait < 50; wait++) {
                Thread.sleep(100);
                other = latest(runDate);
            }
            if (other.isEmpty()) {
                throw e;
            }
            log.info("nightly run {} not started: another launcher created it at the same time", runDate);
            return other.get();
        }
    }

    /** The latest execution of the run for {@code runDate}, if it ever started. */
    public Optional<JobExecution> latest(LocalDate runDate) {
        JobInstance instance = jobRepository.getJobInstance(NightlyJobConfig.JOB_NAME, parameters(runDate));
        return instance == null ? Optional.empty() : Optional.ofNullable(jobRepository.getLastJobExecution(instance));
    }

    /** True while any nightly run is going on (in this process or another one sharing the database). */
    public boolean anyRunning() {
        return !jobRepository.findRunningJobExecutions(NightlyJobConfig.JOB_NAME).isEmpty();
    }
}
