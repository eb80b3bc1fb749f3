package io.nightbake.runs;

import io.nightbake.batch.NightlyJobConfig;
import io.nightbake.batch.RunReport;
import java.util.ArrayList;
import java.util.List;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.dao.DataAccessException;

/**
 * Reading nightly runs from the job repository, without launching, recovering or locking anything: what
 * {@link RunsService} answers the API with, and what the read-only {@code runs} command uses without the rest of the
 * application.
 */
public final class RunQueries {

    private final JobRepository jobRepository;
    private final RunReport report;

    public RunQueries(JobRepository jobRepository, RunReport report) {
        this.jobRepository = jobRepository;
        this.report = report;
    }

    /** The latest runs first. */
    public List<RunsService.RunSummary> list(int limit) {
        List<RunsService.RunSummary> runs = new ArrayList<>();
        for (JobInstance instance : jobRepository.getJobInstances(NightlyJobConfig.JOB_NAME, 0, limit)) {
            List<JobExecution> attempts = report.attempts(instance);
            if (attempts.isEmpty()) {
                continue; // created an instant ago by another launcher
            }
            JobExecution first = attempts.get(0);
            JobExecution last = attempts.get(attempts.size() - 1);
            runs.add(new RunsService.RunSummary(instance.getInstanceId(),
                    last.getJobParameters().getLocalDate(NightlyJobConfig.RUN_DATE), last.getStatus().name(),
                    last.getExitStatus().getExitCode(), first.getStartTime(), last.getEndTime(), attempts.size(),
                    RunReport.failedTenants(RunReport.latestPartitions(attempts))));
        }
        runs.sort((a, b) -> Long.compare(b.runId(), a.runId()));
        return runs;
    }

    /** The run per tenant (the latest attempt for each). */
    public RunReport.Run show(long runId) {
        return report.of(latestAttempt(runId));
    }

    /** The latest attempt of run {@code runId}, with its step executions. */
    JobExecution latestAttempt(long runId) {
        JobInstance instance;
        try {
            instance = jobRepository.getJobInstance(runId);
        } catch (DataAccessException e) {
            instance = null; // the DAO answers a missing id with "Incorrect result size"
        }
        if (instance == null || !NightlyJobConfig.JOB_NAME.equals(instance.getJobName())) {
            throw new RunsService.UnknownRunException(runId);
        }
        JobExecution last = jobRepository.getLastJobExecution(instance);
        if (last == null) {
            throw new RunsService.UnknownRunException(runId);
        }
        return jobRepository.getJobExecution(last.getId());
    }
}
