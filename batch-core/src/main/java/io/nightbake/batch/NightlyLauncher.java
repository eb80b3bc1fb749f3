package io.nightbake.batch;

import java.time.LocalDate;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.stereotype.Component;

/**
 * Launches the nightly job for a run date. The run date is the job's only identifying parameter, so one date is
 * one job instance: launching a date whose run failed restarts it (only unfinished partitions run again), and
 * launching a date whose run completed does nothing and returns that run.
 */
@Component
public class NightlyLauncher {

    private final JobOperator jobOperator;
    private final JobRepository jobRepository;
    private final Job nightlyJob;

    public NightlyLauncher(JobOperator jobOperator, JobRepository jobRepository, Job nightlyJob) {
        this.jobOperator = jobOperator;
        this.jobRepository = jobRepository;
        this.nightlyJob = nightlyJob;
    }

    public static JobParameters parameters(LocalDate runDate) {
        return new JobParametersBuilder().addLocalDate(NightlyJobConfig.RUN_DATE, runDate, true).toJobParameters();
    }

    /** Runs (or restarts) the nightly job for {@code runDate} and returns its execution once it has ended. */
    public JobExecution run(LocalDate runDate) throws Exception {
        JobParameters parameters = parameters(runDate);
        try {
            return jobOperator.start(nightlyJob, parameters);
        } catch (JobInstanceAlreadyCompleteException e) {
            JobInstance instance = jobRepository.getJobInstance(NightlyJobConfig.JOB_NAME, parameters);
            return jobRepository.getLastJobExecution(instance);
        }
    }
}
